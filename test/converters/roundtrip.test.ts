import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateDocument } from '../../converters/validate';
import { schemeToOtlp } from '../../converters/scheme-to-otlp';
import { otlpToScheme } from '../../converters/otlp-to-scheme';
import { stringifyDocument } from '../../converters/json-writer';
import type { SchemeDocument } from '../../converters/model';
import { deepDocument, documentArb } from './arbitraries';

/** scheme → OTLP/JSON text → scheme, compared as JSON text (the form that leaves the process). */
function roundTrip(doc: SchemeDocument): { back: SchemeDocument; spanCount: number } {
  const out = schemeToOtlp(doc);
  expect(out.issues).toEqual([]);
  const wire = JSON.parse(JSON.stringify(out.request));
  const back = otlpToScheme(wire);
  expect(back.issues).toEqual([]);
  expect(back.documents).toHaveLength(1);
  return { back: back.documents[0], spanCount: out.spanCount };
}

const canonical = (doc: SchemeDocument) => JSON.parse(stringifyDocument(doc));

describe('scheme → OTLP → scheme is the identity', () => {
  it('for 1,000 generated valid documents (every type, custom types, optional fields, unicode, collisions)', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const v = validateDocument(doc);
        expect(v.issues).toEqual([]);
        const { back } = roundTrip(v.document!);
        expect(canonical(back)).toEqual(canonical(v.document!));
        // Sanity: the same document gives the same spans (deterministic ids).
        const again = JSON.parse(stringifyDocument(v.document!)) as SchemeDocument;
        expect(JSON.stringify(schemeToOtlp(again).request)).toBe(JSON.stringify(schemeToOtlp(v.document!).request));
      }),
      { numRuns: 1000 },
    );
  });

  it('for the spec example (uuid alias becomes id)', () => {
    const example = JSON.parse(readFileSync(join(__dirname, '../fixtures/scheme/scheme_v1.json'), 'utf8'));
    const v = validateDocument(example);
    const { back, spanCount } = roundTrip(v.document!);
    expect(spanCount).toBe(2); // a document span for the root-level log, and the query
    expect(canonical(back)).toEqual({ id: example.uuid, version: 1, events: example.events });
  });

  it('for huge payloads', () => {
    const big = 'x'.repeat(5_000_000);
    const doc: SchemeDocument = { id: '0f95a542-25a3-4f71-a0e9-640c92f43813', version: 1, events: [
      { type: 'log', payload: { message: big, context: JSON.stringify({ a: big.slice(0, 1000) }) }, time: 1_700_000_000_000 },
      { type: 'custom', payload: { blob: big, list: Array.from({ length: 10_000 }, (_, i) => i) }, duration: 5, nested: [] },
    ] };
    const { back } = roundTrip(doc);
    expect(canonical(back)).toEqual(canonical(doc));
  });

  it('for nesting 1,000 deep and 100,000 deep, without recursion', () => {
    for (const depth of [1_000, 100_000]) {
      const doc = deepDocument(depth);
      const { back, spanCount } = roundTrip(doc);
      expect(spanCount).toBe(depth);
      expect(stringifyDocument(back)).toBe(stringifyDocument(doc));
    }
  });
});
