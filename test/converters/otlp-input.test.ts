import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildDocument, otlpToScheme, readOtlpRequest } from '../../converters/otlp-to-scheme';
import type { Issue } from '../../converters/model';
import { decodeNode } from '../../converters/mapping';
import { validateDocument } from '../../converters/validate';
import { schemeToOtlp } from '../../converters/scheme-to-otlp';
import { decodeOtlpProtobuf, ProtobufDecodeError } from '../../converters/otlp-protobuf';
import type { OtlpSpan } from '../../converters/otlp-types';

const T = '0af7651916cd43dd8448eb211c80319c';
const span = (id: string, parent: string | undefined, extra: Partial<OtlpSpan> = {}): OtlpSpan => ({
  traceId: T, spanId: id, parentSpanId: parent, name: `s${id.slice(-1)}`, kind: 1,
  startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000005000000', ...extra,
});
const req = (spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] });

describe('OTLP input: bad spans get a clear error with their path; the rest converts', () => {
  it('wrong-length, non-hex and all-zero ids', () => {
    const r = otlpToScheme(req([span('abc', undefined), span('0000000000000000', undefined), span('b7ad6b716920333z', undefined), span('b7ad6b7169203331', undefined, { traceId: '0'.repeat(32) }), span('b7ad6b7169203332', undefined)]));
    expect(r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      '/resourceSpans/0/scopeSpans/0/spans/0/spanId: must be 16 hex digits, got 3 ("abc")',
      '/resourceSpans/0/scopeSpans/0/spans/1/spanId: must not be all zeros (an invalid id in OTLP)',
      '/resourceSpans/0/scopeSpans/0/spans/2/spanId: must be hex digits only ("b7ad6b716920333z")',
      '/resourceSpans/0/scopeSpans/0/spans/3/traceId: must not be all zeros (an invalid id in OTLP)',
    ]);
    expect(r.spanCount).toBe(1);
    expect(r.documents).toHaveLength(1);
  });

  it('upper-case ids are read in lower case (parents found either way); a non-string id after them is reported', () => {
    const r = otlpToScheme(req([
      span('A000000000000001', undefined, { traceId: T.toUpperCase() }), span('a000000000000002', 'A000000000000001'),
      span('A000000000000003', 'a000000000000002'), span('a000000000000004', 'a000000000000002', { spanId: 5 as unknown as string }),
      span('a000000000000005', 'FFFFFFFFFFFFFFFF'),
    ]));
    expect(r.issues).toEqual([{ path: '/resourceSpans/0/scopeSpans/0/spans/3/spanId', message: 'must be a hex string of 16 digits, got number' }]);
    expect(r.documents).toHaveLength(1);
    const root = r.documents[0].events;
    expect(root.map((e) => e.payload.name)).toEqual(['s1', 's5']);
    expect(root[1].tags).toEqual(['orphan:ffffffffffffffff']);
    expect(root[0].nested![0].payload.name).toBe('s2');
    expect(root[0].nested![0].nested![0].payload.name).toBe('s3');
    expect(r.documents[0].id).toBe('0af76519-16cd-43dd-8448-eb211c80319c');
  });

  it('NaN, non-numeric and wrong-unit times', () => {
    const r = otlpToScheme(req([
      span('b7ad6b7169203331', undefined, { startTimeUnixNano: 'NaN' }),
      span('b7ad6b7169203332', undefined, { startTimeUnixNano: Number.NaN }),
      span('b7ad6b7169203333', undefined, { startTimeUnixNano: '1700000000000', endTimeUnixNano: '1700000000005' }),
    ]));
    expect(r.issues[0]).toEqual({ path: '/resourceSpans/0/scopeSpans/0/spans/0/startTimeUnixNano', message: 'must be unix nanoseconds as a decimal string, got "NaN"' });
    expect(r.issues[1].message).toBe('must be unix nanoseconds, got NaN');
    expect(r.issues[2].message).toMatch(/^1700000000000 looks like milliseconds since the epoch, but nanoseconds are expected \(did you mean 1700000000000000000\?\)$/);
    expect(r.spanCount).toBe(0);
  });

  it('parent cycles are cut and reported; duplicates are reported and skipped', () => {
    const r = otlpToScheme(req([
      span('a000000000000001', 'a000000000000002'), span('a000000000000002', 'a000000000000001', { startTimeUnixNano: '1700000000001000000' }),
      span('a000000000000003', 'a000000000000003'), span('a000000000000004', undefined), span('a000000000000004', undefined),
    ]));
    expect(r.issues.map((i) => i.message)).toEqual([
      'duplicate span id a000000000000004 (first at /resourceSpans/0/scopeSpans/0/spans/3); this span is skipped',
      "is the span's own id (a parent cycle); the span is attached at the root",
      'parent cycle through span a000000000000002; the span is attached at the root',
    ]);
    const doc = r.documents[0];
    expect(validateDocument(doc).issues).toEqual([]);
    // Same start time: roots keep input order, the span cut from the cycle comes last.
    expect(doc.events.map((e) => e.payload.name)).toEqual(['s3', 's4', 's1']);
    expect(doc.events[2].nested![0].payload.name).toBe('s2');
  });

  it('orphans are attached at the root with a marker tag, never dropped', () => {
    const r = otlpToScheme(req([span('a000000000000001', 'ffffffffffffffff'), span('a000000000000002', 'a000000000000001')]));
    expect(r.issues).toEqual([]);
    expect(r.documents[0].events[0].tags).toEqual(['orphan:ffffffffffffffff']);
    expect(r.documents[0].events[0].nested).toHaveLength(1);
    const back = schemeToOtlp(r.documents);
    expect(back.request.resourceSpans![0].scopeSpans![0].spans![0].parentSpanId).toBe('ffffffffffffffff');
  });

  it('repeated attribute keys: the first is the payload key, later ones go to wdp.attr.* (as decodeNode does without the reader\'s filters)', () => {
    const r = otlpToScheme(req([span('a000000000000001', undefined, { attributes: [
      { key: 'app.k', value: { stringValue: '1' } }, { key: 'app.k', value: { stringValue: '2' } },
    ] })]));
    expect(r.documents[0].events[0].payload).toEqual({ name: 's1', 'app.k': '1', 'wdp.attr.app.k': '2' });
    const keys = fc.constantFrom('a.b', 'a.c', 'b.a', 'x', 'span.name', 'wdp.payload.a.b', 'wdp.attr.a.c', '', 'db.system.name', 'db.query.text', 'url.path', 'c.d.e');
    fc.assert(fc.property(fc.array(fc.tuple(keys, fc.string({ maxLength: 3 })), { maxLength: 12 }), (list) => {
      const attributes = list.map(([key, v]) => ({ key, value: { stringValue: v } }));
      const viaReader = otlpToScheme(req([span('a000000000000001', undefined, { attributes })])).documents[0].events[0];
      const direct = decodeNode({
        name: 's1', isSpan: true, kind: 1, startMs: 1_700_000_000_000, endMs: 1_700_000_000_005, attributes,
        statusCode: 0, statusMessage: '', resourceTags: [],
      }).event;
      expect(JSON.stringify(viaReader.payload)).toBe(JSON.stringify(direct.payload));
    }), { numRuns: 1000 });
  });

  it('records read with their events decoded build the same document, and fresh events, every time', () => {
    const request = req([span('a000000000000001', undefined), span('a000000000000002', 'a000000000000001'), span('a000000000000003', 'ffffffffffffffff')]);
    const issues: Issue[] = [];
    const records = readOtlpRequest(request, issues, true);
    const first = buildDocument(T, records, issues);
    const second = buildDocument(T, records, issues);
    expect(issues).toEqual([]);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(JSON.stringify(first)).toBe(JSON.stringify(otlpToScheme(request).documents[0]));
    expect(second.events[0]).not.toBe(first.events[0]);
    expect(first.events[1].tags).toEqual(['orphan:ffffffffffffffff']);
    expect(records.every((r) => r.decoded === undefined)).toBe(true);
  });

  it('payloads are plain objects, whatever makes them', () => {
    const r = otlpToScheme(req([span('a000000000000001', undefined, { attributes: [{ key: 'app.tenant', value: { stringValue: 't' } }] })]));
    const payload = r.documents[0].events[0].payload;
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(payload).toStrictEqual({ name: 's1', 'app.tenant': 't' });
  });

  it('wrong shapes are reported, never thrown', () => {
    for (const bad of [null, 1, 'x', [], {}, { resourceSpans: 1 }, { resourceSpans: [1] }, { resourceSpans: [{ scopeSpans: [{ spans: [null, 'x', { traceId: 5 }] }] }] }]) {
      const r = otlpToScheme(bad);
      expect(r.issues.length).toBeGreaterThan(0);
      expect(r.documents).toEqual([]);
    }
  });

  it('fuzz: arbitrary JSON never throws; whatever converts is a valid document', () => {
    const spanish = fc.record({
      traceId: fc.oneof(fc.constant(T), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 33 }), fc.anything()),
      spanId: fc.oneof(fc.constantFrom('a000000000000001', 'a000000000000002', 'a000000000000003'), fc.anything()),
      parentSpanId: fc.oneof(fc.constantFrom('a000000000000001', 'a000000000000002', '', undefined), fc.anything()),
      name: fc.oneof(fc.string(), fc.anything()), kind: fc.oneof(fc.nat(6), fc.anything()),
      startTimeUnixNano: fc.oneof(fc.constant('1700000000000000000'), fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String), fc.anything()),
      endTimeUnixNano: fc.oneof(fc.constant('1700000000009000000'), fc.anything()),
      attributes: fc.oneof(fc.array(fc.record({ key: fc.string(), value: fc.oneof(fc.record({ stringValue: fc.string() }), fc.record({ intValue: fc.anything() }), fc.anything()) })), fc.anything()),
      events: fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: fc.string(), timeUnixNano: fc.oneof(fc.constant('1700000000001000000'), fc.anything()) })), fc.anything()),
      status: fc.oneof(fc.record({ code: fc.oneof(fc.nat(3), fc.anything()), message: fc.anything() }), fc.anything()),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.array(spanish, { maxLength: 6 }).map(req)), (input) => {
      const r = otlpToScheme(input);
      for (const doc of r.documents) expect(validateDocument(JSON.parse(JSON.stringify(doc))).issues).toEqual([]);
    }), { numRuns: 500 });
  });

  it('fuzz: arbitrary bytes as protobuf either decode or throw ProtobufDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try { otlpToScheme(decodeOtlpProtobuf(bytes)); } catch (err) { expect(err).toBeInstanceOf(ProtobufDecodeError); }
    }), { numRuns: 1000 });
  });
});
