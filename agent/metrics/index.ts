import {
  AggregationTemporality, ConsoleMetricExporter, InstrumentType, PeriodicExportingMetricReader, type MetricProducer, type MetricReader,
  type PeriodicExportingMetricReaderOptions, type PushMetricExporter, type ResourceMetrics, type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { DurationRecorders } from '../runtime/duration-recorders';
import type { SettingsOf } from '../config';
import { ExportHealth, trackExports } from '../runtime/export-health';
import { agentLog } from '../runtime/agent-log';
import type { metricsSettings } from './settings';
import { createViews } from './views';
import { poolRegistry, type PgPoolLike } from '../runtime/pg-pools';
import { PgMetricsInstrumentation } from './pg-metrics';
import { ProcessMetricsInstrumentation } from './process-metrics';
import { createPrometheusReader } from './prometheus';
import { FastDurations } from './fast-durations';

export { counter, histogram, gauge, APP_METER_NAME, type InstrumentOptions, type HistogramOptions } from './business';
export {
  ConsoleMetricsTracker, OtelMetricsTracker, getMetricsTracker, setMetricsTracker,
  type MetricsTracker, type ConsoleMetricsTrackerOptions, type OtelMetricsTrackerOptions,
} from './trackers';

export type MetricsConfig = SettingsOf<typeof metricsSettings>;

/**
 * `fast`: http.server.request.duration, http.client.request.duration and
 * db.client.operation.duration are the agent's own histograms (fast-durations.ts), recorded by the
 * agent's spans through `MetricsSetup.durations` and handed to the readers as a MetricProducer.
 * `upstream`: instrumentation-http and pg-metrics.ts record them through sdk-metrics.
 */
export type MetricsPipeline = 'fast' | 'upstream';

export interface MetricsDeps {
  /** Instrumentations to load (agent/runtime/instrumentation-selection). */
  readonly activeInstrumentations: ReadonlySet<string>;
  /** The OTLP metric exporter, giving up within `maxTimeoutMs`, and where it sends (for the export-health lines). */
  createMetricExporter(maxTimeoutMs: number): PushMetricExporter;
  readonly metricsUrl: string;
  /** The reader of pushed metrics (default: the SDK's PeriodicExportingMetricReader). */
  createPeriodicReader?(options: PeriodicExportingMetricReaderOptions): MetricReader;
  /** Which path records the duration histograms (default `upstream`). */
  readonly pipeline?: MetricsPipeline;
}

/**
 * HTTP, PostgreSQL and runtime metrics, business metrics and their export (OTLP push or a
 * Prometheus scrape endpoint). agent/bootstrap builds the MeterProvider from this; the
 * instrumentations get that provider through registerInstrumentations.
 */
export interface MetricsSetup {
  readonly readers: MetricReader[];
  readonly views: ViewOptions[];
  readonly instrumentations: Instrumentation[];
  /**
   * On the fast pipeline, where the agent's spans record their durations when they end; undefined
   * on the upstream pipeline and when no metrics are exported (then nothing is to be recorded).
   */
  readonly durations?: DurationRecorders;
}

export function createMetricsSetup(m: MetricsConfig, deps: MetricsDeps): MetricsSetup {
  const unmatchedRoute = m.httpUnmatchedRoute.toLowerCase() === 'none' ? undefined : m.httpUnmatchedRoute;
  const durations = deps.pipeline === 'fast'
    ? new FastDurations({ httpDurationBuckets: m.httpDurationBuckets, dbDurationBuckets: m.dbDurationBuckets, httpUnmatchedRoute: unmatchedRoute })
    : undefined;
  const readers = createReaders(m, deps, durations);
  if (readers.length === 0) return { readers, views: [], instrumentations: [] };

  const active = deps.activeInstrumentations;
  const pgMetrics = m.pgMetrics && active.has('pg');
  const instrumentations: Instrumentation[] = [];
  if (m.runtimeMetrics && active.has('runtime-node')) instrumentations.push(...runtimeInstrumentations(m.eventLoopPrecisionMs));
  if (pgMetrics) {
    try {
      // On the fast pipeline the pg spans record the query durations (agent/tracing/pg.ts).
      instrumentations.push(new PgMetricsInstrumentation({}, !durations));
    } catch (err) {
      agentLog.warn(`pg metrics could not be set up (${(err as Error).message}); continuing without them`);
    }
  }
  const views = createViews({
    httpDurationBuckets: m.httpDurationBuckets,
    dbDurationBuckets: m.dbDurationBuckets,
    httpUnmatchedRoute: unmatchedRoute,
    replacePgMetrics: pgMetrics,
  });
  return { readers, views, instrumentations, durations };
}

function runtimeInstrumentations(precisionMs: number): Instrumentation[] {
  const out: Instrumentation[] = [];
  try {
    const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node') as typeof import('@opentelemetry/instrumentation-runtime-node');
    out.push(new RuntimeNodeInstrumentation({ monitoringPrecision: precisionMs }));
  } catch (err) {
    agentLog.warn(`runtime-node instrumentation could not be loaded (${(err as Error).message}); continuing without it`);
  }
  out.push(new ProcessMetricsInstrumentation());
  return out;
}

/**
 * One reader per entry of OTEL_METRICS_EXPORTER. With `durations` (the fast pipeline), each reader
 * also collects the agent's duration histograms, in the temporality its exporter asks for.
 */
export function createReaders(
  m: MetricsConfig, deps: Pick<MetricsDeps, 'createMetricExporter' | 'metricsUrl' | 'createPeriodicReader'>, durations?: FastDurations,
): MetricReader[] {
  const names = [...new Set(m.exporters)];
  if (names.includes('none')) {
    if (names.length > 1) agentLog.warn(`OTEL_METRICS_EXPORTER=${names.join(',')} contains "none": no metrics are exported`);
    return [];
  }
  const readerTimeoutMs = Math.min(m.exportTimeoutMs, m.exportIntervalMs);
  const producersFor = (temporality: AggregationTemporality): MetricProducer[] | undefined =>
    durations ? [durations.producer(temporality)] : undefined;
  const createPeriodicReader = deps.createPeriodicReader ?? ((options) => new PeriodicExportingMetricReader(options));
  const periodic = (exporter: PushMetricExporter) => createPeriodicReader({
    exporter,
    exportIntervalMillis: m.exportIntervalMs,
    exportTimeoutMillis: readerTimeoutMs,
    // The reader takes its temporality from the exporter (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
    metricProducers: producersFor(exporter.selectAggregationTemporality?.(InstrumentType.HISTOGRAM) ?? AggregationTemporality.CUMULATIVE),
  });
  const readers: MetricReader[] = [];
  for (const name of names) {
    try {
      if (name === 'otlp') {
        const health = new ExportHealth('metrics', 'metric points', deps.metricsUrl);
        // The exporter gives up a little before the reader does: a failed export is then a result
        // that ExportHealth tells once, not the reader's "export timed out" error on every run.
        const exporter = deps.createMetricExporter(Math.max(1, Math.floor(readerTimeoutMs * 0.8)));
        readers.push(periodic(trackExports(exporter, health, countDataPoints)));
      } else if (name === 'console') {
        readers.push(periodic(new ConsoleMetricExporter()));
      } else if (name === 'prometheus') {
        readers.push(createPrometheusReader({ host: m.prometheusHost, port: m.prometheusPort, metricProducers: producersFor(AggregationTemporality.CUMULATIVE) }));
      }
    } catch (err) {
      agentLog.warn(`metrics exporter "${name}" could not be set up (${(err as Error).message}); continuing without it`);
    }
  }
  return readers;
}

function countDataPoints(rm: ResourceMetrics): number {
  let n = 0;
  for (const scope of rm.scopeMetrics) for (const metric of scope.metrics) n += metric.dataPoints.length;
  return n;
}

/**
 * Names a pg.Pool in the pool metrics (db.client.connection.pool.name), e.g.
 * `nameDbPool(reportsPool, 'reports')`. Also starts tracking a pool the agent did not see being
 * created (pg loaded before the agent). Without it a pool is named after its `application_name`,
 * else `host:port/database`. Never throws.
 */
export function nameDbPool<P extends object>(pool: P, name: string): P {
  try {
    if (!pool || typeof (pool as { totalCount?: unknown }).totalCount !== 'number') {
      agentLog.warn('nameDbPool: the first argument is not a pg.Pool (no totalCount); nothing is tracked');
      return pool;
    }
    if (typeof name !== 'string' || name.trim() === '') {
      agentLog.warn(`nameDbPool: the name must be a non-empty string (got ${JSON.stringify(name)}); the pool keeps its default name`);
      poolRegistry.track(pool as unknown as PgPoolLike);
    } else {
      poolRegistry.track(pool as unknown as PgPoolLike, undefined, name.trim());
    }
  } catch (err) {
    agentLog.warn(`nameDbPool failed (${(err as Error).message})`);
  }
  return pool;
}
