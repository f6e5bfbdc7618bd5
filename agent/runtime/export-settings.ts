import { int, keyValues, oneOf, optionalInt, optionalText, url } from '../config/setting';

const HTTP_URL = /^https?:\/\/\S+$/;
const TIMEOUT = { min: 1, max: 600000 } as const;

/** Where and how the three signals are sent over OTLP (the standard OpenTelemetry variables). */
export const exportSettings = {
  otlpEndpoint: url({ env: 'OTEL_EXPORTER_OTLP_ENDPOINT', file: 'exporter.endpoint', default: 'http://localhost:4318', description: 'OTLP/HTTP base URL; /v1/traces, /v1/metrics, /v1/logs are appended.' }),
  otlpTracesEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for traces (overrides the base endpoint).' }),
  otlpMetricsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for metrics.' }),
  otlpLogsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for logs.' }),
  otlpProtocol: oneOf({ env: 'OTEL_EXPORTER_OTLP_PROTOCOL', file: 'exporter.protocol', values: ['http/protobuf', 'http/json'], default: 'http/protobuf', description: 'OTLP encoding. gRPC is not bundled (it adds start-up time and memory).' }),
  otlpHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_HEADERS', file: 'exporter.headers', default: {}, description: 'Headers sent with every export, e.g. auth tokens.' }),
  otlpTracesHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', default: {}, description: 'Headers for traces only, added to (and winning over) the general ones.' }),
  otlpMetricsHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', default: {}, description: 'Headers for metrics only.' }),
  otlpLogsHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', default: {}, description: 'Headers for logs only.' }),
  otlpTimeoutMs: int({ env: 'OTEL_EXPORTER_OTLP_TIMEOUT', file: 'exporter.timeoutMs', default: 10000, ...TIMEOUT, description: 'How long one export may take, retries included (ms).' }),
  otlpTracesTimeoutMs: optionalInt({ env: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', ...TIMEOUT, description: 'Export timeout for traces (ms), instead of the general one.' }),
  otlpMetricsTimeoutMs: optionalInt({ env: 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', ...TIMEOUT, description: 'Export timeout for metrics (ms); the metric reader\'s own timeout still bounds it.' }),
  otlpLogsTimeoutMs: optionalInt({ env: 'OTEL_EXPORTER_OTLP_LOGS_TIMEOUT', ...TIMEOUT, description: 'Export timeout for logs (ms).' }),
  otlpCompression: oneOf({ env: 'OTEL_EXPORTER_OTLP_COMPRESSION', file: 'exporter.compression', values: ['none', 'gzip'], default: 'none', description: 'gzip compresses every export body (content-encoding: gzip), for a collector across a slow or metered link.' }),
  otlpMetricsTemporalityPreference: oneOf({
    env: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', file: 'exporter.metricsTemporalityPreference', values: ['cumulative', 'delta', 'lowmemory'], default: 'cumulative',
    description: 'Temporality of exported metrics: cumulative; delta (counters, histograms and gauges as deltas, up-down counters cumulative); lowmemory (synchronous counters and histograms as deltas, the rest cumulative).',
  }),
} as const;

/** A standard exporter variable the agent does not read, and what to set instead. */
export interface NotReadVariable {
  readonly env: string;
  readonly instead: string;
}

const PER_SIGNAL = ['TRACES', 'METRICS', 'LOGS'] as const;

/**
 * The OTLP exporter variables of the OpenTelemetry specification that the agent does not read.
 * Each one that is set is reported at start-up, so that none is silently ignored.
 */
export const notReadExportVariables: readonly NotReadVariable[] = [
  ...PER_SIGNAL.map((s) => ({ env: `OTEL_EXPORTER_OTLP_${s}_PROTOCOL`, instead: 'OTEL_EXPORTER_OTLP_PROTOCOL (one encoding for every signal)' })),
  ...PER_SIGNAL.map((s) => ({ env: `OTEL_EXPORTER_OTLP_${s}_COMPRESSION`, instead: 'OTEL_EXPORTER_OTLP_COMPRESSION (one setting for every signal)' })),
  ...['', ...PER_SIGNAL.map((s) => `${s}_`)].flatMap((s) => [
    { env: `OTEL_EXPORTER_OTLP_${s}CERTIFICATE`, instead: 'NODE_EXTRA_CA_CERTS=<file> to trust the collector\'s certificate authority' },
    { env: `OTEL_EXPORTER_OTLP_${s}CLIENT_KEY`, instead: 'a collector on the same host or network that holds the client certificate (client certificates are not supported)' },
    { env: `OTEL_EXPORTER_OTLP_${s}CLIENT_CERTIFICATE`, instead: 'a collector on the same host or network that holds the client certificate (client certificates are not supported)' },
  ]),
];
