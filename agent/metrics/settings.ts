import { ascendingNumbers, bool, int, list, text } from '../config/setting';

// Settings of the metrics concern, registered in ../config/registry.ts as section 'metrics'.
// Standard OTEL_* names where the spec has one, OTEL_COMPANION_* otherwise.

/** Web latencies: fine steps below 100 ms, and a boundary at each alert threshold (0.5 s, 2 s). */
export const DEFAULT_HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10] as const;
/** Queries are faster than requests: start at 1 ms; boundaries at the alert thresholds (0.1 s, 0.5 s). */
export const DEFAULT_DB_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const BUCKETS_ACCEPTED = 'ascending bucket boundaries in seconds, comma-separated (e.g. 0.05,0.1,0.5,1)';

export const metricsSettings = {
  exporters: list({
    env: 'OTEL_METRICS_EXPORTER', file: 'metrics.exporter', default: ['otlp'],
    item: /^(otlp|prometheus|console|none)$/, itemText: 'otlp, prometheus, console or none',
    description: 'Where metrics go: OTLP push to the collector (default), a Prometheus scrape endpoint, the console, or nowhere. Several may be combined (otlp,prometheus).',
  }),
  exportIntervalMs: int({
    env: 'OTEL_METRIC_EXPORT_INTERVAL', file: 'metrics.exportIntervalMs', default: 60000, min: 100, max: 3_600_000,
    description: 'Time between two OTLP/console metric pushes (ms).',
  }),
  exportTimeoutMs: int({
    env: 'OTEL_METRIC_EXPORT_TIMEOUT', file: 'metrics.exportTimeoutMs', default: 30000, min: 1, max: 600_000,
    description: 'Timeout of one metric push (ms); capped at the export interval.',
  }),
  prometheusHost: text({
    env: 'OTEL_EXPORTER_PROMETHEUS_HOST', file: 'metrics.prometheus.host', default: 'localhost',
    pattern: /^[A-Za-z0-9.:\-[\]]+$/, patternText: 'a host name or IP address',
    description: 'Address the Prometheus scrape endpoint listens on (use 0.0.0.0 in a container).',
  }),
  prometheusPort: int({
    env: 'OTEL_EXPORTER_PROMETHEUS_PORT', file: 'metrics.prometheus.port', default: 9464, min: 0, max: 65535,
    description: 'Port of the Prometheus scrape endpoint (path /metrics).',
  }),
  httpDurationBuckets: ascendingNumbers({ accepts: BUCKETS_ACCEPTED, unit: 'seconds',
    env: 'OTEL_COMPANION_HTTP_DURATION_BUCKETS', file: 'metrics.httpDurationBuckets', default: DEFAULT_HTTP_DURATION_BUCKETS,
    description: 'Histogram bucket boundaries (seconds) of http.server.request.duration and http.client.request.duration.',
  }),
  dbDurationBuckets: ascendingNumbers({ accepts: BUCKETS_ACCEPTED, unit: 'seconds',
    env: 'OTEL_COMPANION_DB_DURATION_BUCKETS', file: 'metrics.dbDurationBuckets', default: DEFAULT_DB_DURATION_BUCKETS,
    description: 'Histogram bucket boundaries (seconds) of db.client.operation.duration.',
  }),
  httpUnmatchedRoute: text({
    env: 'OTEL_COMPANION_HTTP_UNMATCHED_ROUTE', file: 'metrics.httpUnmatchedRoute', default: '(unmatched)',
    pattern: /^\S.{0,99}$/, patternText: 'a short label, or none',
    description: 'http.route of http.server.request.duration points for requests no route matched (404s, static files, servers without a router), so every point carries the label; `none` leaves it out as semconv does.',
  }),
  pgMetrics: bool({
    env: 'OTEL_COMPANION_PG_METRICS', file: 'metrics.pg', default: true,
    description: 'PostgreSQL metrics: db.client.operation.duration and per-pool connection gauges (needs the pg instrumentation enabled).',
  }),
  runtimeMetrics: bool({
    env: 'OTEL_COMPANION_RUNTIME_METRICS', file: 'metrics.runtime', default: true,
    description: 'Node.js runtime metrics: event loop, GC, heap, RSS, CPU (needs the runtime-node instrumentation enabled).',
  }),
  eventLoopPrecisionMs: int({
    env: 'OTEL_COMPANION_EVENT_LOOP_PRECISION_MS', file: 'metrics.eventLoopPrecisionMs', default: 10, min: 1, max: 1000,
    description: 'Sampling resolution of the event-loop delay histogram (ms); lower is finer and costs more.',
  }),
} as const;
