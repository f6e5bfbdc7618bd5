import { int, keyValues, oneOf, optionalText, url } from '../config/setting';

const HTTP_URL = /^https?:\/\/\S+$/;

/** Where and how the three signals are sent over OTLP (the standard OpenTelemetry variables). */
export const exportSettings = {
  otlpEndpoint: url({ env: 'OTEL_EXPORTER_OTLP_ENDPOINT', file: 'exporter.endpoint', default: 'http://localhost:4318', description: 'OTLP/HTTP base URL; /v1/traces, /v1/metrics, /v1/logs are appended.' }),
  otlpTracesEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for traces (overrides the base endpoint).' }),
  otlpMetricsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for metrics.' }),
  otlpLogsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', pattern: HTTP_URL, patternText: 'an http(s) URL', description: 'Full URL for logs.' }),
  otlpProtocol: oneOf({ env: 'OTEL_EXPORTER_OTLP_PROTOCOL', file: 'exporter.protocol', values: ['http/protobuf', 'http/json'], default: 'http/protobuf', description: 'OTLP encoding. gRPC is not bundled (it adds start-up time and memory).' }),
  otlpHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_HEADERS', file: 'exporter.headers', default: {}, description: 'Headers sent with every export, e.g. auth tokens.' }),
  otlpTimeoutMs: int({ env: 'OTEL_EXPORTER_OTLP_TIMEOUT', file: 'exporter.timeoutMs', default: 10000, min: 1, max: 600000, description: 'Export request timeout (ms).' }),
} as const;
