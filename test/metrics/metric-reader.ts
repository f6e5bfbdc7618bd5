import { MeterProvider, MetricReader, type DataPoint, type HistogramMetricData, type MetricData, type ViewOptions } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';

/** A pull reader for tests: `collect()` returns what an exporter would get now. */
export class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async metrics(): Promise<MetricData[]> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length) throw new Error(`collection errors: ${errors.map(String).join('; ')}`);
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => Object.assign(m, { scope: s.scope.name })));
  }
}

export function newProvider(views: ViewOptions[] = []): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  return { provider: new MeterProvider({ readers: [reader], views }), reader };
}

export type ScopedMetric = MetricData & { scope: string };

export function named(all: MetricData[], name: string): ScopedMetric[] {
  return all.filter((m) => m.descriptor.name === name) as ScopedMetric[];
}

function matches(attrs: Attributes, want: Attributes): boolean {
  return Object.entries(want).every(([k, v]) => attrs[k] === v);
}

/** The single point of `name` whose attributes include `want`; throws when there are 0 or several. */
export function point(all: MetricData[], name: string, want: Attributes): DataPoint<unknown> {
  const found = named(all, name).flatMap((m) => (m.dataPoints as DataPoint<unknown>[]).filter((p) => matches(p.attributes, want)));
  if (found.length !== 1) {
    const seen = named(all, name).flatMap((m) => (m.dataPoints as DataPoint<unknown>[]).map((p) => JSON.stringify(p.attributes)));
    throw new Error(`expected one ${name} point with ${JSON.stringify(want)}, found ${found.length}; points: ${seen.join(' | ') || 'none'}`);
  }
  return found[0]!;
}

export function hasPoint(all: MetricData[], name: string, want: Attributes): boolean {
  return named(all, name).some((m) => (m.dataPoints as DataPoint<unknown>[]).some((p) => matches(p.attributes, want)));
}

export function value(all: MetricData[], name: string, want: Attributes): number {
  return point(all, name, want).value as number;
}

export function histogramCount(all: MetricData[], name: string, want: Attributes): number {
  return (point(all, name, want).value as { count: number }).count;
}

export function histogramMetric(all: MetricData[], name: string): HistogramMetricData | undefined {
  return named(all, name)[0] as HistogramMetricData | undefined;
}
