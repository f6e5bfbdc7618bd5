import { describe, expect, it } from 'vitest';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { TraceCollector } from '../../agent/devview/collector';
import type { SchemeDocument } from '../../converters/model';

function setUp(opts: { maxTraces?: number; maxSpansPerTrace?: number } = {}) {
  const docs: SchemeDocument[] = [];
  const collector = new TraceCollector({ onDocument: (d) => docs.push(d), ...opts });
  const provider = new TracerProvider({ spanProcessors: [collector] });
  return { docs, tracer: provider.getTracer('t'), collector };
}

describe('TraceCollector', () => {
  it('hands over one document per trace when its local root ends, with only that trace\'s spans', () => {
    const { docs, tracer } = setUp();
    const a = tracer.startSpan('A', { kind: SpanKind.SERVER });
    const b = tracer.startSpan('B', { kind: SpanKind.SERVER });
    const a1 = tracer.startSpan('a-child', {}, trace.setSpan(context.active(), a));
    const b1 = tracer.startSpan('b-child', {}, trace.setSpan(context.active(), b));
    a1.end(); b1.end();
    expect(docs).toHaveLength(0);
    b.end();
    a.end();
    expect(docs.map((d) => d.events[0].payload.name)).toEqual(['B', 'A']);
    expect(docs[0].id.replace(/-/g, '')).toBe(b.spanContext().traceId);
    expect(docs[0].events[0].nested!.map((e) => e.payload.name)).toEqual(['b-child']);
    expect(docs[1].events[0].nested!.map((e) => e.payload.name)).toEqual(['a-child']);
  });

  it('is bounded: traces whose root never ends are dropped oldest first, spans per trace capped', () => {
    const { docs, tracer } = setUp({ maxTraces: 2, maxSpansPerTrace: 3 });
    const roots = ['r1', 'r2', 'r3'].map((n) => tracer.startSpan(n));
    for (const r of roots) tracer.startSpan('child', {}, trace.setSpan(context.active(), r)).end();
    for (let i = 0; i < 5; i++) tracer.startSpan(`extra ${i}`, {}, trace.setSpan(context.active(), roots[2])).end();
    for (const r of roots) r.end();
    // r1's open trace was evicted when r3's began, r2's when r1's root reopened one: their roots
    // still make (root-only) documents; memory never holds more than 2 open traces.
    expect(docs.map((d) => d.events.length)).toEqual([1, 1, 1]);
    expect(docs[0].events[0].nested).toBeUndefined();
    expect(docs[1].events[0].nested).toBeUndefined();
    expect(docs[2].events[0].nested).toHaveLength(3); // capped at 3 children; the root is always kept
  });
});
