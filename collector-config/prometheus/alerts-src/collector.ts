/** OpenTelemetry Collector health, from its own telemetry and `up`. */
import { percent, type AlertDefinition, type RuleFile } from './model';
import { thresholds } from './thresholds';

export const COLLECTOR_SERVICE = 'otel-collector';
export const SIGNALS = ['spans', 'metric_points', 'log_records'] as const;

/**
 * sum by (<by>, signal) of rate() over the three signal variants of a
 * collector counter, old (no suffix) and current (`_total`) names alike.
 * `selector` is extra matchers, e.g. `job=~"$job"` on dashboards.
 */
export function perSignalRate(prefix: string, by: string, window: string, selector = ''): string {
  const extra = selector ? `, ${selector}` : '';
  const term = (signal: string) =>
    `label_replace(rate({__name__=~"${prefix}_${signal}(_total)?"${extra}}[${window}]), "signal", "${signal}", "", "")`;
  return `sum by (${by}, signal) (\n    ${SIGNALS.map(term).join('\n  or\n    ')}\n)`;
}

const collectorDown: AlertDefinition = {
  name: 'CollectorDown',
  service: COLLECTOR_SERVICE,
  means: 'Prometheus cannot scrape the collector\'s self-metrics (:8888).',
  rules: [
    {
      severity: 'critical',
      expr: 'up{job="collector"} == 0',
      for: '1m',
      summary: 'Prometheus cannot scrape the collector ({{ $labels.job }})',
      description:
        'Scrapes of {{ $labels.instance }} (job {{ $labels.job }}) have failed for 1 minute. While the collector is down the agents buffer and then drop telemetry, and every application alert is blind.',
    },
  ],
};

const exportFailing: AlertDefinition = {
  name: 'CollectorExportFailing',
  comment: 'Failed sends are counted after retry_on_failure gave up on a batch, so\nany sustained rate is data that did not reach Jaeger/Prometheus.',
  service: COLLECTOR_SERVICE,
  means: 'a collector exporter fails to send data after retries: data is lost.',
  rules: [
    {
      severity: 'critical',
      expr: `${perSignalRate('otelcol_exporter_send_failed', 'job, instance, exporter', '5m')} > 0`,
      for: '5m',
      summary: 'Collector exporter {{ $labels.exporter }} fails to send {{ $labels.signal }}',
      description:
        'Exporter {{ $labels.exporter }} on {{ $labels.instance }} has failed to send {{ printf "%.2f" $value }} {{ $labels.signal }}/s for 5 minutes. That data is lost.',
    },
  ],
};

const refusingData: AlertDefinition = {
  name: 'CollectorRefusingData',
  comment: 'Refusals are the receiver answering the agent with an error, mostly\nmemory_limiter back-pressure. The agent retries, so warning.',
  service: COLLECTOR_SERVICE,
  means: 'a collector receiver answers agents with errors (memory_limiter back-pressure).',
  rules: [
    {
      severity: 'warning',
      expr: `${perSignalRate('otelcol_receiver_refused', 'job, instance, receiver, transport', '5m')} > 0`,
      for: '5m',
      summary: 'Collector receiver {{ $labels.receiver }} refuses {{ $labels.signal }}',
      description:
        'Receiver {{ $labels.receiver }} ({{ $labels.transport }}) on {{ $labels.instance }} has refused {{ printf "%.2f" $value }} {{ $labels.signal }}/s for 5 minutes, usually because memory_limiter is shedding load.',
    },
  ],
};

const queueNearFull: AlertDefinition = {
  name: 'CollectorQueueNearFull',
  comment:
    'max by exporter on both sides: queue_size carries data_type on newer\ncollectors and capacity may not, so match on what both surely have.\n`> 0` keeps a zero capacity from dividing into +Inf.',
  service: COLLECTOR_SERVICE,
  means: 'an exporter\'s sending queue is above 80% of its capacity.',
  rules: [
    {
      severity: 'warning',
      expr: `max by (job, instance, exporter) (otelcol_exporter_queue_size)\n  /\n(max by (job, instance, exporter) (otelcol_exporter_queue_capacity) > 0)\n  > ${thresholds.collectorQueueRatio}`,
      for: '5m',
      summary: `Sending queue of exporter {{ $labels.exporter }} is above ${percent(thresholds.collectorQueueRatio)}`,
      description:
        'The sending queue of exporter {{ $labels.exporter }} on {{ $labels.instance }} is {{ $value | humanizePercentage }} full. When it is full new batches are dropped (otelcol_exporter_enqueue_failed_*).',
    },
  ],
};

export const collectorRules: RuleFile = {
  file: 'collector.yml',
  group: 'otel-companion-collector',
  header:
    'OpenTelemetry Collector health, from its own telemetry (job "collector",\n:8888; every collector of the stack, gateways included, one instance\neach) and from `up` of that scrape job.\n\nCounter names: the collector built here (0.161.0) serves\notelcol_exporter_send_failed_spans (no `_total`), other versions and\nexposition settings add `_total`. Each selector accepts both with `(_total)?`.\nEach signal is its own term with a `signal` label: rate() drops metric names,\nso one regex over spans|metric_points|log_records would collide when an\nexporter (e.g. otlp) carries two signals.',
  alerts: [collectorDown, exportFailing, refusingData, queueNearFull],
};
