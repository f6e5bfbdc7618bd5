import { bool, int, list, oneOf, ratio } from '../config/setting';

/** Traces: where spans go, sampling, batching, propagation, limits, and what the instrumentations record. */
export const tracingSettings = {
  tracesExporter: oneOf({ env: 'OTEL_TRACES_EXPORTER', file: 'exporter.traces', values: ['otlp', 'console', 'none'], default: 'otlp', description: 'Where spans go.' }),
  sampler: oneOf({
    env: 'OTEL_TRACES_SAMPLER', file: 'sampler.name',
    values: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'],
    default: 'parentbased_always_on', description: 'Head sampler.',
  }),
  samplerArg: ratio({ env: 'OTEL_TRACES_SAMPLER_ARG', file: 'sampler.arg', default: 1, description: 'Ratio for the *traceidratio samplers.' }),
  bspScheduleDelayMs: int({ env: 'OTEL_BSP_SCHEDULE_DELAY', file: 'batch.scheduleDelayMs', default: 1000, min: 1, description: 'Delay between span exports (ms).' }),
  bspExportTimeoutMs: int({ env: 'OTEL_BSP_EXPORT_TIMEOUT', file: 'batch.exportTimeoutMs', default: 30000, min: 1, description: 'Timeout of one span export (ms); OTEL_EXPORTER_OTLP_TIMEOUT also bounds it.' }),
  bspMaxQueueSize: int({ env: 'OTEL_BSP_MAX_QUEUE_SIZE', file: 'batch.maxQueueSize', default: 2048, min: 1, description: 'Spans kept in memory while the collector is unreachable; beyond this they are dropped and counted.' }),
  bspMaxExportBatchSize: int({ env: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', file: 'batch.maxExportBatchSize', default: 512, min: 1, description: 'Spans per export request.' }),
  propagators: list({ env: 'OTEL_PROPAGATORS', file: 'propagators', default: ['tracecontext', 'baggage'], item: /^(tracecontext|baggage|none)$/, itemText: 'tracecontext, baggage or none', description: 'Context propagation formats.' }),
  attributeValueLengthLimit: int({ env: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', file: 'limits.attributeValueLength', default: 8192, min: 32, description: 'Longer string attributes are truncated.' }),
  expressLayerSpans: bool({ env: 'OTEL_COMPANION_EXPRESS_LAYER_SPANS', file: 'express.layerSpans', default: false, description: 'One span per Express middleware/router layer (off: the route still reaches the server span).' }),
  pgPoolConnectSpans: bool({ env: 'OTEL_COMPANION_PG_POOL_CONNECT_SPANS', file: 'pg.poolConnectSpans', default: true, description: 'pg-pool.connect spans for the pool connects that wait for a client or open a connection (with pg.connect), on the default pipeline; a connect served at once by an idle client gets none. On the upstream pipeline: every pool connect.' }),
} as const;
