/**
 * Collector health: scrape status, data accepted/refused by receivers, sent
 * and failed by exporters, sending queues, memory and CPU, from the
 * collector's own telemetry (job "collector", :8888).
 *
 * Metric names: current collectors add `_total` to counters (and units to
 * some gauges) that older ones did not, so selectors match both with a
 * `__name__` regex; per-signal rates are built exactly as the alert rules
 * build them (alerts-src/collector.ts).
 */
import { perSignalRate } from '../../prometheus/alerts-src/collector';
import { thresholds } from '../../prometheus/alerts-src/thresholds';
import {
  EMPTY_WHILE_HEALTHY,
  baseDashboard,
  datasourceVariable,
  labelVariable,
  row,
  statPanel,
  timeseriesPanel,
  type DashboardSpec,
} from './common';

const target = 'job=~"$job", instance=~"$instance"';

/** Per-signal rate of a collector counter, as the alert rules compute it, for the selected job/instance. */
function perSignal(prefix: string, by: string): string {
  return perSignalRate(prefix, by, '$__rate_interval', target);
}

export const collectorHealth: DashboardSpec = {
  file: 'collector-health.json',
  build: () =>
    baseDashboard(
      'otel-companion-collector-health',
      'Collector health',
      'The OpenTelemetry Collector\'s own telemetry: is it up, what it accepts, refuses, sends and fails to send, how full its queues are.',
    )
      .withVariable(datasourceVariable())
      .withVariable(labelVariable('job', 'Job', 'up{job="collector"}', 'job'))
      .withVariable(labelVariable('instance', 'Instance', 'up{job=~"$job"}', 'instance'))
      .withRow(row('Status'))
      .withPanel(
        statPanel({
          title: 'Scrape targets up',
          description: 'Collectors whose self-metrics (:8888) Prometheus scrapes successfully, 1 per collector (gateways and agent collectors when scaled out). CollectorDown fires when one is 0 for 1 minute.',
          unit: 'none',
          width: 8,
          queries: [{ expr: `sum(up{${target}})` }],
        }),
      )
      .withPanel(
        statPanel({
          title: 'Resident memory',
          description: 'Resident set size of the collector process. Keep memory_limiter below the container limit.',
          unit: 'bytes',
          width: 8,
          queries: [{ expr: `max({__name__=~"otelcol_process_memory_rss(_bytes)?", ${target}})` }],
        }),
      )
      .withPanel(
        statPanel({
          title: 'CPU usage',
          description: 'CPU time of the collector process per second of wall-clock time: 100% is one core.',
          unit: 'percentunit',
          width: 8,
          queries: [{ expr: `sum(rate({__name__=~"otelcol_process_cpu_seconds(_total)?", ${target}}[$__rate_interval]))` }],
        }),
      )
      .withRow(row('Receivers'))
      .withPanel(
        timeseriesPanel({
          title: 'Accepted by receiver',
          description: 'Spans, metric points and log records per second the receivers pushed into the pipelines, by receiver and signal.',
          unit: 'cps',
          queries: [{ expr: perSignal('otelcol_receiver_accepted', 'receiver, transport'), legend: '{{receiver}} {{transport}} {{signal}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Refused by receiver',
          description: `Items per second the receivers answered with an error (memory_limiter back-pressure, mostly). CollectorRefusingData fires after 5 minutes of this. ${EMPTY_WHILE_HEALTHY}`,
          unit: 'cps',
          queries: [{ expr: perSignal('otelcol_receiver_refused', 'receiver, transport'), legend: '{{receiver}} {{transport}} {{signal}}' }],
        }),
      )
      .withRow(row('Exporters'))
      .withPanel(
        timeseriesPanel({
          title: 'Sent by exporter',
          description: 'Spans, metric points and log records per second the exporters delivered, by exporter and signal.',
          unit: 'cps',
          queries: [{ expr: perSignal('otelcol_exporter_sent', 'exporter'), legend: '{{exporter}} {{signal}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Failed sends by exporter',
          description: `Items per second an exporter gave up on after retries: lost data. CollectorExportFailing fires after 5 minutes of this. ${EMPTY_WHILE_HEALTHY}`,
          unit: 'cps',
          queries: [{ expr: perSignal('otelcol_exporter_send_failed', 'exporter'), legend: '{{exporter}} {{signal}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Sending queue usage',
          description: 'Batches waiting in each exporter\'s sending queue as a share of its capacity. Dashed line: CollectorQueueNearFull (80%). When full, new batches are dropped.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `max by (instance, exporter) (otelcol_exporter_queue_size{${target}})\n/ (max by (instance, exporter) (otelcol_exporter_queue_capacity{${target}}) > 0)`,
              legend: '{{exporter}}',
            },
          ],
          thresholds: { warning: thresholds.collectorQueueRatio },
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Dropped at enqueue (queue full)',
          description: `Items per second rejected because the sending queue was full. ${EMPTY_WHILE_HEALTHY}`,
          unit: 'cps',
          queries: [{ expr: perSignal('otelcol_exporter_enqueue_failed', 'exporter'), legend: '{{exporter}} {{signal}}' }],
        }),
      )
      .build(),
};
