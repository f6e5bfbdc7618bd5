import { bool, int, keyValues, list, oneOf, optionalText, ratio, text, url } from '../config/setting';

/** Instrumentations the agent supports and loads by default. */
export const DEFAULT_INSTRUMENTATIONS = ['http', 'express', 'pg', 'winston', 'runtime-node'] as const;

/** Standard OpenTelemetry variables, as the spec names them. */
export const standardSettings = {
  sdkDisabled: bool({ env: 'OTEL_SDK_DISABLED', default: false, description: 'Turn the whole agent off.' }),
  serviceName: optionalText({ env: 'OTEL_SERVICE_NAME', file: 'serviceName', description: 'service.name; falls back to OTEL_RESOURCE_ATTRIBUTES, then the app\'s package.json name.' }),
  resourceAttributes: keyValues({ env: 'OTEL_RESOURCE_ATTRIBUTES', file: 'resourceAttributes', default: {}, description: 'Extra resource attributes.' }),
  otlpEndpoint: url({ env: 'OTEL_EXPORTER_OTLP_ENDPOINT', file: 'exporter.endpoint', default: 'http://localhost:4318', description: 'OTLP/HTTP base URL; /v1/traces, /v1/metrics, /v1/logs are appended.' }),
  otlpTracesEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', pattern: /^https?:\/\/\S+$/, patternText: 'an http(s) URL', description: 'Full URL for traces (overrides the base endpoint).' }),
  otlpMetricsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', pattern: /^https?:\/\/\S+$/, patternText: 'an http(s) URL', description: 'Full URL for metrics.' }),
  otlpLogsEndpoint: optionalText({ env: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', pattern: /^https?:\/\/\S+$/, patternText: 'an http(s) URL', description: 'Full URL for logs.' }),
  otlpProtocol: oneOf({ env: 'OTEL_EXPORTER_OTLP_PROTOCOL', file: 'exporter.protocol', values: ['http/protobuf', 'http/json'], default: 'http/protobuf', description: 'OTLP encoding. gRPC is not bundled (it adds start-up time and memory).' }),
  otlpHeaders: keyValues({ env: 'OTEL_EXPORTER_OTLP_HEADERS', file: 'exporter.headers', default: {}, description: 'Headers sent with every export, e.g. auth tokens.' }),
  otlpTimeoutMs: int({ env: 'OTEL_EXPORTER_OTLP_TIMEOUT', file: 'exporter.timeoutMs', default: 10000, min: 1, max: 600000, description: 'Export request timeout (ms).' }),
  tracesExporter: oneOf({ env: 'OTEL_TRACES_EXPORTER', file: 'exporter.traces', values: ['otlp', 'console', 'none'], default: 'otlp', description: 'Where spans go.' }),
  sampler: oneOf({
    env: 'OTEL_TRACES_SAMPLER', file: 'sampler.name',
    values: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'],
    default: 'parentbased_always_on', description: 'Head sampler.',
  }),
  samplerArg: ratio({ env: 'OTEL_TRACES_SAMPLER_ARG', file: 'sampler.arg', default: 1, description: 'Ratio for the *traceidratio samplers.' }),
  bspScheduleDelayMs: int({ env: 'OTEL_BSP_SCHEDULE_DELAY', file: 'batch.scheduleDelayMs', default: 1000, min: 1, description: 'Delay between span exports (ms).' }),
  bspExportTimeoutMs: int({ env: 'OTEL_BSP_EXPORT_TIMEOUT', file: 'batch.exportTimeoutMs', default: 30000, min: 1, description: 'Timeout of one span export (ms).' }),
  bspMaxQueueSize: int({ env: 'OTEL_BSP_MAX_QUEUE_SIZE', file: 'batch.maxQueueSize', default: 2048, min: 1, description: 'Spans kept in memory while the collector is unreachable; beyond this they are dropped and counted.' }),
  bspMaxExportBatchSize: int({ env: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', file: 'batch.maxExportBatchSize', default: 512, min: 1, description: 'Spans per export request.' }),
  logLevel: oneOf({ env: 'OTEL_LOG_LEVEL', file: 'logLevel', values: ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'], default: 'warn', description: 'Level of the agent\'s own diagnostics (stderr).' }),
  enabledInstrumentations: list({ env: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', file: 'instrumentations.enabled', default: [...DEFAULT_INSTRUMENTATIONS], item: /^[a-z0-9-]+$/, itemText: 'instrumentation names', description: 'Instrumentations to load (names without the @opentelemetry/instrumentation- prefix). Names outside the supported set are loaded when the package is installed (opt-in).' }),
  disabledInstrumentations: list({ env: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', file: 'instrumentations.disabled', default: [], item: /^[a-z0-9-]+$/, itemText: 'instrumentation names', description: 'Instrumentations not to load; wins over the enabled list.' }),
  propagators: list({ env: 'OTEL_PROPAGATORS', file: 'propagators', default: ['tracecontext', 'baggage'], item: /^(tracecontext|baggage|none)$/, itemText: 'tracecontext, baggage or none', description: 'Context propagation formats.' }),
  attributeValueLengthLimit: int({ env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', file: 'limits.attributeValueLength', default: 8192, min: 32, description: 'Longer string attributes are truncated.' }),
} as const;

/** otel-companion's own tracing settings. */
export const companionTracingSettings = {
  configFile: optionalText({ env: 'OTEL_COMPANION_CONFIG_FILE', description: 'Optional JSON or YAML config file; env variables win over it.' }),
  shutdownTimeoutMs: int({ env: 'OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS', file: 'shutdown.timeoutMs', default: 2000, min: 0, max: 60000, description: 'Upper bound for the flush on SIGTERM/SIGINT/beforeExit, even when the collector is down.' }),
  expressLayerSpans: bool({ env: 'OTEL_COMPANION_EXPRESS_LAYER_SPANS', file: 'express.layerSpans', default: false, description: 'One span per Express middleware/router layer (off: the route still reaches the server span).' }),
  resourceDetectors: list({ env: 'OTEL_COMPANION_RESOURCE_DETECTORS', file: 'resourceDetectors', default: ['env', 'host', 'process', 'container', 'service'], item: /^(env|host|process|container|service|os)$/, itemText: 'env, host, process, container, service or os', description: 'Resource detectors; no cloud metadata look-ups.' }),
  pgPoolConnectSpans: bool({ env: 'OTEL_COMPANION_PG_POOL_CONNECT_SPANS', file: 'pg.poolConnectSpans', default: true, description: 'A span for each pg.Pool connect.' }),
  serviceVersion: optionalText({ env: 'OTEL_COMPANION_SERVICE_VERSION', file: 'serviceVersion', description: 'service.version; falls back to the app\'s package.json version.' }),
  handleSignals: bool({ env: 'OTEL_COMPANION_HANDLE_SIGNALS', file: 'shutdown.handleSignals', default: true, description: 'Flush on SIGTERM/SIGINT. When the app has no handler of its own, the agent re-raises the signal after the flush.' }),
} as const;
