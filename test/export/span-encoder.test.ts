import { SpanKind, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from '../../agent/export/protobuf-writer';
import { SPAN_ID_BYTES, SpanEncoder, type EncodableSpan } from '../../agent/export/span-encoder';
import { TraceBatch } from '../../agent/export/trace-batch';
import { batch as batchArbitrary, type GeneratedBatch } from './arbitraries';
import { decodeTraces, withMinimalLengths } from './wire';

function upstream(spans: unknown[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[])!);
}

function ours(resource: GeneratedBatch['resource'], spans: EncodableSpan[], encoder?: SpanEncoder): Buffer {
  const batch = new TraceBatch(resource, { encoder, initialCapacity: 64 });
  for (const span of spans) expect(batch.add(span), String(batch.lastError)).toBe(true);
  return Buffer.from(batch.take());
}

function expectSameRequest(mine: Buffer, reference: Buffer): void {
  expect(decodeTraces(mine)).toEqual(decodeTraces(reference));
  expect(withMinimalLengths(reference)).toEqual(reference); // upstream writes minimal lengths: the comparison below is fair
  expect(withMinimalLengths(mine)).toEqual(reference);
}

describe('span encoder vs @opentelemetry/otlp-transformer ProtobufTraceSerializer', () => {
  it('generated spans: the same request decoded, and byte for byte once our padded lengths are written minimal', () => {
    let padded = 0;
    fc.assert(
      fc.property(batchArbitrary, ({ resource, spans }) => {
        const mine = ours(resource, spans);
        const reference = upstream(spans);
        expectSameRequest(mine, reference);
        if (mine.length > reference.length) padded++;
      }),
      { numRuns: 400 },
    );
    expect(padded).toBeGreaterThan(100); // the padded prefixes were there to be normalised
  });

  it('spans of the SDK itself (TracerProvider 3): server, client, child, events, exception, links, status, trace state, remote parent', () => {
    const ended: ReadableSpan[] = [];
    const capture: SpanProcessor = { onStart() {}, onEnd: (s) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} };
    const resource = resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.2', 'host.name': 'node-7', 'process.pid': 4242 });
    const provider = new TracerProvider({ resource, sampler: new AlwaysOnSampler(), spanProcessors: [capture] });
    const http = provider.getTracer('@opentelemetry/instrumentation-http', '0.300.0');
    const pg = provider.getTracer('@opentelemetry/instrumentation-pg', '0.77.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
    const remote = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=a1,other=b2'),
    });
    const server = http.startSpan('GET /users/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'url.path': '/users/42', 'http.response.status_code': 200, 'server.port': 3000, 'user_agent.original': 'curl/8 ünïcödé 😀' },
    }, remote);
    const child = trace.setSpan(context.active(), server);
    const query = pg.startSpan('SELECT app', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM users WHERE id = $1', 'db.response.returned_rows': 1, ratio: 0.25, flags: [true, false], tags: ['a', 'b'] },
      links: [{ context: { traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceFlags: 0, isRemote: false }, attributes: { reason: 'retry' } }],
    }, child);
    query.addEvent('rows', { count: 1 });
    query.recordException(new Error('boom: \ud800 lone surrogate'));
    query.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
    query.end();
    http.startSpan('internal', { attributes: { empty: '', nothing: undefined } }, child).end();
    server.setStatus({ code: SpanStatusCode.OK });
    server.end();

    expect(ended).toHaveLength(3);
    const mine = ours({ attributes: resource.attributes }, ended);
    const reference = upstream(ended);
    expectSameRequest(mine, reference);
    const decoded = decodeTraces(mine) as { resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: Array<{ name: string; parentSpanId?: string; traceState?: string }> }> }> };
    const scopes = decoded.resourceSpans[0]!.scopeSpans;
    expect(scopes.map((s) => s.scope.name)).toEqual(['@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-http']);
    expect(scopes[1]!.spans.map((s) => s.name)).toEqual(['internal', 'GET /users/:id']);
    expect(scopes[1]!.spans[1]!.parentSpanId).toBe('b7ad6b7169203331');
    expect(scopes[1]!.spans[1]!.traceState).toBe('vendor=a1,other=b2');
  });

  it('past the bounds of the key cache, the remembered values and the name cache, each is encoded every time, with the same result', () => {
    fc.assert(
      fc.property(batchArbitrary, fc.constantFrom(0, 1, 3), fc.constantFrom(0, 200), ({ resource, spans }, maxCachedKeys, maxRememberedValueBytes) => {
        const encoder = new SpanEncoder({ maxCachedKeys, maxRememberedValueBytes, maxCachedNames: maxCachedKeys });
        const mine = ours(resource, spans, encoder);
        expect(encoder.cachedKeys).toBeLessThanOrEqual(maxCachedKeys);
        expect(encoder.rememberedValueBytes).toBeLessThanOrEqual(maxRememberedValueBytes);
        expectSameRequest(mine, upstream(spans));
      }),
      { numRuns: 60 },
    );
  });

  it('remembers at most 64 values per key: a high-cardinality attribute stops adding to the memory', () => {
    const encoder = new SpanEncoder();
    const w = new ProtobufWriter(1024);
    const span = (i: number) => ({
      name: 'GET', kind: 1, spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
      startTime: [1, 0], endTime: [2, 0], attributes: { 'url.path': `/users/${i}`, 'http.request.method': 'GET' }, events: [], links: [], status: { code: 0 },
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, instrumentationScope: { name: 's' },
    }) as unknown as EncodableSpan;
    for (let i = 0; i < 64; i++) encoder.encodeSpan(w, span(i));
    const full = encoder.rememberedValueBytes;
    for (let i = 64; i < 1000; i++) encoder.encodeSpan(w, span(i));
    expect(encoder.rememberedValueBytes).toBe(full);
  });

  it('a value nested past the depth bound (a cycle) is refused with an error saying so', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const span = {
      name: 'x', kind: 0, spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
      startTime: [1, 0], endTime: [2, 0], attributes: { cyclic }, events: [], links: [], status: { code: 0 },
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, instrumentationScope: { name: 's' },
    } as unknown as EncodableSpan;
    expect(() => new SpanEncoder({ maxValueDepth: 8 }).encodeSpan(new ProtobufWriter(64), span)).toThrow(/nested deeper than 8 levels/);
  });

  it('ids handed over as bytes must be 24 or 32 bytes long, or the span is refused with an error saying so', () => {
    const span = {
      name: 'x', kind: 0, spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
      startTime: [1, 0], endTime: [2, 0], attributes: {}, events: [], links: [], status: { code: 0 },
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, instrumentationScope: { name: 's' },
      [SPAN_ID_BYTES]: new Uint8Array(16),
    } as unknown as EncodableSpan;
    expect(() => new SpanEncoder().encodeSpan(new ProtobufWriter(64), span)).toThrow('SPAN_ID_BYTES holds 16 bytes: 24 (trace id, span id) or 32 (and the parent span id) expected');
  });
});
