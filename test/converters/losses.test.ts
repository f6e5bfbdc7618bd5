import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import { schemeToOtlp, SCOPE_NAME } from '../../converters/scheme-to-otlp';
import type { ExportTraceServiceRequest, OtlpSpan } from '../../converters/otlp-types';
import { attributeMap, roundTripDifferences } from './otlp-compare';

/** Each loss listed in docs/scheme-mapping.md ("What is knowingly lost"), held to what the doc says. */

const TRACE = '5b8efff798038103d269b633813fc60c';
function request(spans: Partial<OtlpSpan>[], extra: Partial<ExportTraceServiceRequest['resourceSpans'] & object> = {}): ExportTraceServiceRequest {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }, { key: 'process.pid', value: { intValue: '42' } }], droppedAttributesCount: 1 },
      scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http', version: '0.300.0' }, schemaUrl: 'https://opentelemetry.io/schemas/1.30.0', spans: spans.map((s, i) => ({
        traceId: TRACE, spanId: `eee19b7ec3c1b17${i}`, name: `span ${i}`, kind: 1,
        startTimeUnixNano: `1700000000000${i}12345`, endTimeUnixNano: `1700000000009${i}99999`, status: { code: 0 }, ...s,
      }) as OtlpSpan) }],
      ...extra,
    }],
  };
}

function roundTrip(req: ExportTraceServiceRequest): ExportTraceServiceRequest {
  const { documents, issues } = otlpToScheme(req);
  expect(issues).toEqual([]);
  const back = schemeToOtlp(documents);
  expect(back.issues).toEqual([]);
  return JSON.parse(JSON.stringify(back.request));
}
const spansOf = (req: ExportTraceServiceRequest) => req.resourceSpans![0].scopeSpans![0].spans!;

describe('what OTLP → scheme → OTLP knowingly loses (docs/scheme-mapping.md)', () => {
  const doc = readFileSync(join(__dirname, '../../docs/scheme-mapping.md'), 'utf8');

  it('the doc lists each loss tested here', () => {
    for (const heading of ['Span ids', 'Links', 'Trace state', 'Flags', 'Dropped counts', 'Instrumentation scope', 'Schema URLs', 'Resource',
      'Sub-millisecond times', 'Bytes values', 'Integral doubles']) expect(doc).toContain(`**${heading}**`);
  });

  const original = request([
    { traceState: 'vendor=1', flags: 257, droppedAttributesCount: 3, droppedEventsCount: 2, droppedLinksCount: 1,
      links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', attributes: [] }],
      attributes: [{ key: 'foo', value: { stringValue: 'undotted' } }, { key: 'app.blob', value: { bytesValue: 'AAEC' } }, { key: 'app.ratio', value: { doubleValue: 2 } }],
      events: [{ timeUnixNano: '1700000000000300000', name: 'note', attributes: [], droppedAttributesCount: 4 }] },
    { parentSpanId: 'eee19b7ec3c1b170' },
  ]);
  const back = roundTrip(original);
  const [a0, a1] = spansOf(back);

  it('Span ids: re-derived from the trace id and the tree position; the parent structure is kept', () => {
    expect(a0.spanId).not.toBe('eee19b7ec3c1b170');
    expect(a1.parentSpanId).toBe(a0.spanId);
    expect(spansOf(roundTrip(original))[0].spanId).toBe(a0.spanId); // deterministic
  });
  it('Links, Trace state, Flags and Dropped counts are dropped', () => {
    expect(a0.links).toBeUndefined();
    expect(a0.traceState).toBeUndefined();
    expect(a0.flags).toBeUndefined();
    expect(a0.droppedAttributesCount).toBeUndefined();
    expect(a0.droppedEventsCount).toBeUndefined();
    expect(a0.droppedLinksCount).toBeUndefined();
    expect(a0.events![0].droppedAttributesCount).toBeUndefined();
    expect(back.resourceSpans![0].resource!.droppedAttributesCount).toBeUndefined();
  });
  it('Instrumentation scope and Schema URLs: every span comes back under the converters\' scope', () => {
    expect(back.resourceSpans![0].scopeSpans![0].scope).toEqual({ name: SCOPE_NAME });
    expect(back.resourceSpans![0].scopeSpans![0].schemaUrl).toBeUndefined();
  });
  it('Resource: the attributes every event carries come back, as strings', () => {
    expect(attributeMap(back.resourceSpans![0].resource!.attributes)).toEqual({ 'service.name': 'shop', 'process.pid': '42' });
  });
  it('Sub-millisecond times are floored to the millisecond', () => {
    expect(a0.startTimeUnixNano).toBe('1700000000000000000');
    expect(a0.endTimeUnixNano).toBe('1700000000009000000');
  });
  it('Bytes values come back as base64 strings and Integral doubles as integers (undotted names are kept)', () => {
    const attrs = attributeMap(a0.attributes);
    expect(attrs.foo).toBe('undotted');
    expect(a0.attributes!.find((kv) => kv.key === 'app.blob')!.value).toEqual({ stringValue: 'AAEC' });
    expect(a0.attributes!.find((kv) => kv.key === 'app.ratio')!.value).toEqual({ intValue: '2' });
  });
  it('nothing else differs (names, kinds, ms times, status, attributes) once those are set aside', () => {
    const clean = request([{}, { parentSpanId: 'eee19b7ec3c1b170', kind: 3, status: { code: 2, message: 'bad' },
      attributes: [{ key: 'db.system.name', value: { stringValue: 'postgresql' } }, { key: 'db.statement', value: { stringValue: 'SELECT 1' } }] }]);
    expect(roundTripDifferences(clean, roundTrip(clean))).toEqual([]);
  });
  it('holds on the captured OTLP of the real agent (test/fixtures/scheme/agent-otlp.json)', () => {
    const captured = JSON.parse(readFileSync(join(__dirname, '../fixtures/scheme/agent-otlp.json'), 'utf8'));
    expect(roundTripDifferences(captured, roundTrip(captured))).toEqual([]);
  });
});
