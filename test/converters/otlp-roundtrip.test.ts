import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import { schemeToOtlp } from '../../converters/scheme-to-otlp';
import { validateDocument } from '../../converters/validate';
import type { AnyValue, ExportTraceServiceRequest, KeyValue, OtlpSpan } from '../../converters/otlp-types';
import { roundTripDifferences } from './otlp-compare';

/**
 * OTLP → scheme → OTLP on generated traces: the promise (trace id, span count, parents, names,
 * kinds, ms times, status, attributes) holds for anything outside the documented losses (which
 * the generator leaves out: undotted names, bytes, integral doubles, wdp.* names).
 */
const SEMCONV_KEYS = ['http.request.method', 'http.method', 'url.full', 'url.path', 'url.query', 'http.route', 'http.response.status_code',
  'db.system.name', 'db.system', 'db.query.text', 'db.statement', 'code.file.path', 'code.line.number', 'code.column.number',
  'code.filepath', 'code.lineno', 'express.type', 'event.name', 'event.context', 'execution_id', 'http.request.header.accept',
  'span.name', 'span.kind', 'otel.status_description', 'exception.message', 'server.port'];
const dottedKey = fc.oneof(fc.constantFrom(...SEMCONV_KEYS), fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}.${b}`))
  .filter((k) => !k.startsWith('wdp.'));
const scalar: fc.Arbitrary<AnyValue> = fc.oneof(
  fc.string({ maxLength: 12 }).map((stringValue) => ({ stringValue })),
  fc.boolean().map((boolValue) => ({ boolValue })),
  fc.integer().map((n) => ({ intValue: String(n) })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)).map((doubleValue) => ({ doubleValue })),
);
const value: fc.Arbitrary<AnyValue> = fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }).map((values) => ({ arrayValue: { values } })) });
const attributes = fc.uniqueArray(fc.record({ key: dottedKey, value }), { selector: (kv) => kv.key, maxLength: 6 }) as fc.Arbitrary<KeyValue[]>;
const T0 = 1_700_000_000_000;

const traceArb = fc.record({
  traceId: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }).filter((t) => !/^0+$/.test(t)),
  spans: fc.array(fc.record({
    parent: fc.nat(), hasParent: fc.boolean(), name: fc.string({ maxLength: 10 }), kind: fc.integer({ min: 0, max: 5 }),
    start: fc.integer({ min: 0, max: 10_000_000_000 }), length: fc.integer({ min: 0, max: 5_000_000_000 }),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 6 }) }),
    attributes,
    events: fc.array(fc.record({ name: fc.string({ maxLength: 8 }), at: fc.integer({ min: 0, max: 10_000_000_000 }), attributes }), { maxLength: 2 }),
  }), { minLength: 1, maxLength: 12 }),
});

type GeneratedTrace = typeof traceArb extends fc.Arbitrary<infer T> ? T : never;

function toRequest(t: GeneratedTrace): ExportTraceServiceRequest {
  const ids = t.spans.map((_, i) => (i + 1).toString(16).padStart(16, 'a'));
  const ns = (offset: number) => String(BigInt(T0) * 1_000_000n + BigInt(offset));
  const spans: OtlpSpan[] = t.spans.map((s, i) => ({
    traceId: t.traceId, spanId: ids[i],
    // Parents point to earlier spans only: no cycles (cycles are tested elsewhere).
    parentSpanId: s.hasParent && i > 0 ? ids[s.parent % i] : undefined,
    name: s.name, kind: s.kind, startTimeUnixNano: ns(s.start), endTimeUnixNano: ns(s.start + s.length),
    attributes: s.attributes, status: s.status.code === 0 ? { code: 0 } : s.status,
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: ns(e.at), attributes: e.attributes })),
  }));
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gen' } }] }, scopeSpans: [{ scope: { name: 'gen' }, spans }] }] };
}

describe('OTLP → scheme → OTLP on generated traces', () => {
  it('keeps what it promises for 500 generated traces', () => {
    fc.assert(fc.property(traceArb, (t) => {
      const original = toRequest(t);
      const { documents, issues } = otlpToScheme(JSON.parse(JSON.stringify(original)));
      expect(issues).toEqual([]);
      for (const doc of documents) expect(validateDocument(JSON.parse(JSON.stringify(doc))).issues).toEqual([]);
      const back = schemeToOtlp(documents);
      expect(back.issues).toEqual([]);
      expect(roundTripDifferences(original, JSON.parse(JSON.stringify(back.request)))).toEqual([]);
    }), { numRuns: 500 });
  });
});
