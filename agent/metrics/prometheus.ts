import { DataPointType, type CollectionResult, type MetricCollectOptions, type MetricData, type MetricProducer, type MetricReader } from '@opentelemetry/sdk-metrics';
import { agentLog } from '../runtime/agent-log';
import { untraceScrapeServer } from '../upstream/prometheus-exporter';

/**
 * OTel unit → Prometheus name suffix, as the OpenTelemetry→Prometheus compatibility spec and the
 * Collector's prometheus exporter do it. @opentelemetry/exporter-prometheus does not add unit
 * suffixes, so the agent's scrape endpoint would otherwise say `http_server_request_duration_bucket`
 * where the collector path says `http_server_request_duration_seconds_bucket`, and the alert rules
 * and dashboards would see nothing.
 */
const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '%': 'percent',
};
const PER_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

/** The suffix for a unit ('' when none): `s` → seconds, `By/s` → bytes_per_second, `{request}` → ''. */
export function prometheusUnitSuffix(unit: string | undefined, isGauge: boolean): string {
  if (!unit) return '';
  const cleaned = unit.replace(/\{[^}]*\}/g, '').trim();
  if (cleaned === '') return '';
  if (cleaned === '1') return isGauge ? 'ratio' : '';
  const [num, per] = cleaned.split('/', 2) as [string, string | undefined];
  const main = num ? (UNIT_WORDS[num] ?? num) : '';
  const tail = per ? (PER_WORDS[per] ?? UNIT_WORDS[per] ?? per) : '';
  const suffix = main && tail ? `${main}_per_${tail}` : main || (tail ? `per_${tail}` : '');
  return suffix.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The metric name with its unit suffix, unless the name already ends with it. */
export function withUnitSuffix(metric: MetricData): string {
  const name = metric.descriptor.name;
  const suffix = prometheusUnitSuffix(metric.descriptor.unit, metric.dataPointType === DataPointType.GAUGE);
  if (!suffix) return name;
  const normalized = name.replace(/[^A-Za-z0-9_:]/g, '_');
  if (normalized.endsWith(`_${suffix}`) || normalized.endsWith(`_${suffix}_total`)) return name;
  return `${name}_${suffix}`;
}

export interface PrometheusEndpointOptions {
  host: string;
  port: number;
  /** Resource attributes copied onto every series, so rules can group by service as in the collector path. */
  resourceLabels?: RegExp;
  /** Producers collected with the SDK's own metrics at each scrape (the fast pipeline's duration histograms). */
  metricProducers?: MetricProducer[];
}

/** Resource attributes that become labels of every series (the rest stay in `target_info`). */
export const DEFAULT_RESOURCE_LABELS = /^(service\.name|service\.namespace|service\.version|deployment\.environment\.name)$/;

/**
 * The Prometheus scrape endpoint (`http://host:port/metrics`): the contrib exporter, with unit
 * suffixes added at collection time. The HTTP server starts at once; a port already in use costs
 * one line on stderr and the app keeps running.
 */
export function createPrometheusReader(options: PrometheusEndpointOptions, onListening?: (error?: Error) => void): MetricReader {
  // Loaded only when asked for: the exporter package costs start-up time in every other setup.
  const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');

  class CompanionPrometheusExporter extends PrometheusExporter {
    constructor(options: PrometheusEndpointOptions, onListening?: (error?: Error) => void) {
      super(
        {
          host: options.host,
          port: options.port,
          endpoint: '/metrics',
          withResourceConstantLabels: options.resourceLabels ?? DEFAULT_RESOURCE_LABELS,
          metricProducers: options.metricProducers,
        },
        (error) => {
          if (error) {
            const code = (error as NodeJS.ErrnoException).code ?? error.message;
            agentLog.always(`the Prometheus endpoint could not listen on ${options.host}:${options.port} (${code}); set OTEL_EXPORTER_PROMETHEUS_PORT to a free port. The app keeps running.`);
          } else {
            agentLog.info(`Prometheus metrics at http://${options.host}:${options.port}/metrics`);
          }
          onListening?.(error ?? undefined);
        },
      );
      untraceScrapeServer(this);
    }

    override async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
      const result = await super.collect(options);
      // Resource detectors may still be running at the first scrape; target_info must be complete.
      await result.resourceMetrics.resource.waitForAsyncAttributes?.();
      for (const scope of result.resourceMetrics.scopeMetrics) {
        scope.metrics = scope.metrics.map((m) => {
          const name = withUnitSuffix(m);
          return name === m.descriptor.name ? m : ({ ...m, descriptor: { ...m.descriptor, name } } as MetricData);
        });
      }
      return result;
    }
  }

  return new CompanionPrometheusExporter(options, onListening);
}
