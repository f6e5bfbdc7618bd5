import { bool, int, keyValues, list, oneOf, optionalText } from '../config/setting';
import { DEFAULT_INSTRUMENTATIONS } from '../runtime/instrumentation-selection';

/** The agent as a whole: on/off, its own diagnostics, the resource, which instrumentations, shutdown. */
export const agentSettings = {
  sdkDisabled: bool({ env: 'OTEL_SDK_DISABLED', default: false, description: 'Turn the whole agent off.' }),
  logLevel: oneOf({ env: 'OTEL_LOG_LEVEL', file: 'logLevel', values: ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'], default: 'warn', description: 'Level of the agent\'s own diagnostics (stderr).' }),
  configFile: optionalText({ env: 'OTEL_COMPANION_CONFIG_FILE', description: 'Optional JSON or YAML config file; env variables win over it.' }),
  serviceName: optionalText({ env: 'OTEL_SERVICE_NAME', file: 'serviceName', description: 'service.name; falls back to OTEL_RESOURCE_ATTRIBUTES, then the app\'s package.json name.' }),
  resourceAttributes: keyValues({ env: 'OTEL_RESOURCE_ATTRIBUTES', file: 'resourceAttributes', default: {}, description: 'Extra resource attributes.' }),
  serviceVersion: optionalText({ env: 'OTEL_COMPANION_SERVICE_VERSION', file: 'serviceVersion', description: 'service.version; falls back to the app\'s package.json version.' }),
  resourceDetectors: list({ env: 'OTEL_COMPANION_RESOURCE_DETECTORS', file: 'resourceDetectors', default: ['env', 'host', 'process', 'container', 'service'], item: /^(env|host|process|container|service|os)$/, itemText: 'env, host, process, container, service or os', description: 'Resource detectors; no cloud metadata look-ups.' }),
  enabledInstrumentations: list({ env: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS', file: 'instrumentations.enabled', default: [...DEFAULT_INSTRUMENTATIONS], item: /^[a-z0-9-]+$/, itemText: 'instrumentation names', description: 'Instrumentations to load (names without the @opentelemetry/instrumentation- prefix). Names outside the supported set are loaded when the package is installed (opt-in).' }),
  disabledInstrumentations: list({ env: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS', file: 'instrumentations.disabled', default: [], item: /^[a-z0-9-]+$/, itemText: 'instrumentation names', description: 'Instrumentations not to load; wins over the enabled list.' }),
  pipeline: oneOf({
    env: 'OTEL_COMPANION_PIPELINE', file: 'pipeline', values: ['fast', 'upstream'], default: 'fast',
    description: 'fast: the agent\'s own HTTP spans (from Node\'s diagnostics channels), spans encoded to OTLP when they end, duration histograms without per-point hashing. upstream: the OpenTelemetry instrumentation-http, spans batched as objects and serialized by otlp-transformer, and sdk-metrics histograms, as a fallback if the fast path misbehaves.',
  }),
  shutdownTimeoutMs: int({ env: 'OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS', file: 'shutdown.timeoutMs', default: 2000, min: 0, max: 60000, description: 'Upper bound for the flush on SIGTERM/SIGINT/beforeExit, even when the collector is down.' }),
  handleSignals: bool({ env: 'OTEL_COMPANION_HANDLE_SIGNALS', file: 'shutdown.handleSignals', default: true, description: 'Flush on SIGTERM/SIGINT. When the app has no handler of its own, the agent re-raises the signal after the flush.' }),
} as const;
