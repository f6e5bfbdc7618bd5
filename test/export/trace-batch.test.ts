import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { EncodableSpan } from '../../agent/export/span-encoder';
import { TraceBatch } from '../../agent/export/trace-batch';
import { decodeTraces, withMinimalLengths } from './wire';

const resource = { attributes: { 'service.name': 'shop' } };
const scopes = [{ name: 'http' }, { name: 'pg', version: '1.0.0', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }, { name: 'app' }];

function span(i: number, extra: Partial<EncodableSpan> = {}): EncodableSpan & { resource: unknown } {
  const spanId = (i + 1).toString(16).padStart(16, '0');
  return {
    name: `span ${i}`,
    kind: 1,
    spanContext: () => ({ traceId: 'ab'.repeat(16), spanId, traceFlags: 1 }),
    startTime: [1_700_000_000 + i, 5],
    endTime: [1_700_000_001 + i, 7],
    attributes: { i, 'http.route': '/users/:id' },
    events: [],
    links: [],
    status: { code: 0 },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    instrumentationScope: scopes[i % scopes.length]!,
    resource,
    ...extra,
  } as EncodableSpan & { resource: unknown };
}

function spanNames(bytes: Uint8Array): string[][] {
  const decoded = decodeTraces(bytes) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }> };
  return decoded.resourceSpans[0]!.scopeSpans.map((s) => s.spans.map((x) => x.name));
}

describe('TraceBatch', () => {
  it('groups interleaved scopes as upstream does, in order of first appearance, and matches its bytes', () => {
    const spans = Array.from({ length: 10 }, (_, i) => span(i));
    const batch = new TraceBatch(resource, { initialCapacity: 32 });
    for (const s of spans) expect(batch.add(s)).toBe(true);
    expect(batch.spanCount).toBe(10);
    const bytes = batch.take();
    expect(spanNames(bytes)).toEqual([
      ['span 0', 'span 3', 'span 6', 'span 9'],
      ['span 1', 'span 4', 'span 7'],
      ['span 2', 'span 5', 'span 8'],
    ]);
    expect(withMinimalLengths(bytes)).toEqual(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans as unknown as ReadableSpan[])!));
  });

  it('refuses and counts spans past maxSpans, never holding them; take() empties it for the next batch', () => {
    const batch = new TraceBatch(resource, { maxSpans: 3 });
    expect([0, 1, 2, 3, 4].map((i) => batch.add(span(i)))).toEqual([true, true, true, false, false]);
    expect(batch.spanCount).toBe(3);
    expect(batch.droppedFull).toBe(2);
    expect(spanNames(batch.take()).flat().sort()).toEqual(['span 0', 'span 1', 'span 2']);
    expect(batch.spanCount).toBe(0);
    expect(batch.byteLength).toBe(0);
    expect(batch.add(span(5))).toBe(true);
    expect(spanNames(batch.take()).flat()).toEqual(['span 5']);
    expect(batch.droppedFull).toBe(2);
  });

  it('refuses and counts spans past maxBytes, keeping what fits; an oversized span does not keep a huge buffer', () => {
    const one = new TraceBatch(resource);
    one.add(span(0));
    const size = one.byteLength;
    const batch = new TraceBatch(resource, { maxBytes: size * 2 + 10, initialCapacity: 64 });
    expect(batch.add(span(0))).toBe(true);
    expect(batch.add(span(3))).toBe(true);
    expect(batch.add(span(1))).toBe(false); // a new scope: refused, it must leave no empty ScopeSpans
    expect(batch.droppedFull).toBe(1);
    expect(batch.add(span(2, { attributes: { big: 'x'.repeat(1_000_000) } }))).toBe(false);
    expect(batch.droppedFull).toBe(2);
    expect(batch.byteLength).toBeLessThanOrEqual(size * 2 + 10);
    expect((batch as unknown as { writer: { buf: Buffer } }).writer.buf.length).toBeLessThan(1_000_000);
    expect(spanNames(batch.take())).toEqual([['span 0', 'span 3']]);
  });

  it('a span the encoder cannot read is refused and counted apart, and the batch stays valid', () => {
    const batch = new TraceBatch(resource);
    batch.add(span(0));
    const broken = span(1, { spanContext: () => { throw new Error('context gone'); } });
    expect(batch.add(broken)).toBe(false);
    const halfWritten = span(2);
    Object.defineProperty(halfWritten, 'events', { get() { throw new Error('events getter failed'); } }); // after name, ids and attributes were written
    expect(batch.add(halfWritten)).toBe(false);
    expect(batch.droppedInvalid).toBe(2);
    expect(String(batch.lastError)).toMatch(/events getter failed/);
    batch.add(span(3));
    expect(spanNames(batch.take())).toEqual([['span 0', 'span 3']]);
  });

  it('an empty batch takes as an empty request, like upstream with no spans', () => {
    const batch = new TraceBatch(resource);
    expect(batch.take()).toEqual(new Uint8Array(0));
    expect(Buffer.from(ProtobufTraceSerializer.serializeRequest([])!)).toEqual(Buffer.alloc(0));
  });

  it('the request taken is the caller\'s: later spans do not overwrite it', () => {
    const batch = new TraceBatch(resource);
    batch.add(span(0));
    const first = batch.take();
    const copy = Buffer.from(first);
    for (let i = 1; i < 50; i++) batch.add(span(i));
    batch.take();
    expect(Buffer.from(first)).toEqual(copy);
  });

  it('a request given back with release() is reused by the next take(); anything else given back is ignored', () => {
    const batch = new TraceBatch(resource);
    for (let i = 0; i < 20; i++) batch.add(span(i));
    const first = batch.take();
    batch.release(first);
    for (let i = 0; i < 19; i++) batch.add(span(100 + i));
    const second = batch.take();
    expect(second.buffer).toBe(first.buffer);
    expect(spanNames(second).flat()).toHaveLength(19);
    batch.release(new Uint8Array(1 << 20)); // not from take(): ignored
    batch.add(span(7));
    expect(batch.take().buffer).not.toBe(first.buffer);
    batch.release(second);
    for (let i = 0; i < 200; i++) batch.add(span(i)); // larger than the buffer given back: a new one
    const larger = batch.take();
    expect(larger.buffer).not.toBe(first.buffer);
    expect(spanNames(larger).flat()).toHaveLength(200);
  });

  it('a resource whose async attributes were pending is encoded again once they settle', () => {
    let settled = false;
    const pending = {
      get attributes() { return settled ? { 'service.name': 'shop', 'host.id': 'h-1' } : { 'service.name': 'shop' }; },
      get asyncAttributesPending() { return !settled; },
    };
    const batch = new TraceBatch(pending);
    const resourceOf = (bytes: Uint8Array) => (decodeTraces(bytes) as { resourceSpans: Array<{ resource: unknown }> }).resourceSpans[0]!.resource;
    batch.add(span(0));
    expect(resourceOf(batch.take())).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] });
    settled = true;
    batch.add(span(1));
    expect(resourceOf(batch.take())).toMatchObject({ attributes: [{ key: 'service.name' }, { key: 'host.id', value: { stringValue: 'h-1' } }] });
  });

  it('rejects options that are not positive integers, naming the option', () => {
    expect(() => new TraceBatch(resource, { maxSpans: 0 })).toThrow(/maxSpans must be a positive integer, got 0/);
    expect(() => new TraceBatch(resource, { maxBytes: 1.5 })).toThrow(/maxBytes/);
  });
});
