import type { FlatMetricPoint, OtlpReceiver } from '../helpers/otlp-receiver';

/**
 * Points are cumulative and pushed every interval: the newest point of each series is its value.
 * Keyed by name and attributes.
 */
export function latestPoints(receiver: OtlpReceiver, name?: string): FlatMetricPoint[] {
  const latest = new Map<string, FlatMetricPoint>();
  for (const p of receiver.metricPoints()) {
    if (name && p.name !== name) continue;
    latest.set(`${p.name} ${JSON.stringify(Object.entries(p.attributes).sort())}`, p);
  }
  return [...latest.values()];
}

/** Sum of `count` over the newest points of a histogram whose attributes include `want`. */
export function countWhere(receiver: OtlpReceiver, name: string, want: Record<string, unknown>): number {
  return latestPoints(receiver, name)
    .filter((p) => Object.entries(want).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + (p.count ?? 0), 0);
}

/** explicit bounds of the first histogram point named `name` in the raw OTLP requests. */
export function explicitBounds(receiver: OtlpReceiver, name: string): number[] | undefined {
  for (const r of receiver.requests.metrics) {
    for (const rm of (r.resourceMetrics as Record<string, unknown>[]) ?? []) {
      for (const sm of (rm.scopeMetrics as Record<string, unknown>[]) ?? []) {
        for (const m of (sm.metrics as Record<string, unknown>[]) ?? []) {
          if (m.name !== name) continue;
          const points = ((m.histogram as Record<string, unknown> | undefined)?.dataPoints as Record<string, unknown>[]) ?? [];
          const p = points[0];
          const bounds = (p?.explicitBounds ?? p?.explicit_bounds) as unknown[] | undefined;
          if (bounds) return bounds.map(Number);
        }
      }
    }
  }
  return undefined;
}
