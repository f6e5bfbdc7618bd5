import { AggregationTemporality, InstrumentType, type AggregationTemporalitySelector } from '@opentelemetry/sdk-metrics';

/**
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, as the specification defines the three
 * choices. The same tables as @opentelemetry/exporter-metrics-otlp-http's selectors (a test
 * compares them on every instrument type): loading that package only for them cost 16-27 ms of
 * start-up.
 */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

const { CUMULATIVE, DELTA } = AggregationTemporality;

const cumulative: AggregationTemporalitySelector = () => CUMULATIVE;

const delta: AggregationTemporalitySelector = (type) => {
  switch (type) {
    case InstrumentType.UP_DOWN_COUNTER:
    case InstrumentType.OBSERVABLE_UP_DOWN_COUNTER:
      return CUMULATIVE;
    default:
      return DELTA;
  }
};

const lowMemory: AggregationTemporalitySelector = (type) => {
  switch (type) {
    case InstrumentType.COUNTER:
    case InstrumentType.HISTOGRAM:
      return DELTA;
    default:
      return CUMULATIVE;
  }
};

export function temporalitySelector(preference: TemporalityPreference): AggregationTemporalitySelector {
  return preference === 'delta' ? delta : preference === 'lowmemory' ? lowMemory : cumulative;
}
