import { describe, expect, it } from 'vitest';
import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import { CumulativeTemporalitySelector, DeltaTemporalitySelector, LowMemoryTemporalitySelector } from '@opentelemetry/exporter-metrics-otlp-http';
import { temporalitySelector } from '../../agent/export/metric-temporality';

/**
 * The agent's copy of the three temporality tables of OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
 * against the selectors of @opentelemetry/exporter-metrics-otlp-http (a devDependency for this test:
 * loading it at start-up only for them cost 16-27 ms).
 */
describe('metric temporality preference', () => {
  const types = Object.values(InstrumentType);
  const upstream = { cumulative: CumulativeTemporalitySelector, delta: DeltaTemporalitySelector, lowmemory: LowMemoryTemporalitySelector } as const;

  it('covers every instrument type of sdk-metrics', () => {
    expect(types.length).toBeGreaterThanOrEqual(7);
  });

  for (const preference of ['cumulative', 'delta', 'lowmemory'] as const) {
    it(`${preference}: the same temporality as upstream's selector for every instrument type`, () => {
      const ours = temporalitySelector(preference);
      for (const type of types) expect([type, ours(type)]).toEqual([type, upstream[preference](type)]);
    });
  }

  it('delta keeps up-down counters cumulative; lowmemory makes only synchronous counters and histograms delta', () => {
    expect(temporalitySelector('delta')(InstrumentType.UP_DOWN_COUNTER)).toBe(AggregationTemporality.CUMULATIVE);
    expect(temporalitySelector('delta')(InstrumentType.HISTOGRAM)).toBe(AggregationTemporality.DELTA);
    expect(temporalitySelector('lowmemory')(InstrumentType.OBSERVABLE_COUNTER)).toBe(AggregationTemporality.CUMULATIVE);
    expect(temporalitySelector('lowmemory')(InstrumentType.COUNTER)).toBe(AggregationTemporality.DELTA);
  });
});
