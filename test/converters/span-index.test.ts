import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idProblem, readSpanKey, spanKey } from '../../converters/ids';
import { addRecord, beginIndex, findRecord, type KeyedRecord } from '../../converters/span-index';

// The span tree is assembled on integer keys in a reused open-addressing table instead of a
// Map keyed by the id strings. These properties hold it to what the Map gave.

const HEX = '0123456789abcdefABCDEF';
const hexId = fc.array(fc.constantFrom(...HEX), { minLength: 16, maxLength: 16 }).map((c) => c.join(''));
/** Ids as they come: mostly hex (some colliding once lower-cased), some malformed. */
const anyId = fc.oneof(
  { weight: 6, arbitrary: hexId },
  { weight: 1, arbitrary: fc.constantFrom('0000000000000000', '000000000000000g', 'ABCDEF0123456789', 'abcdef0123456789', '') },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
);

function keyOf(id: string): [number, number, number, boolean] {
  const valid = readSpanKey(id);
  return [spanKey.a, spanKey.b, spanKey.c, valid];
}

/** What a Map gave: valid ids equal once lower-cased, anything else equal as text. */
const mapKey = (id: string) => (idProblem(id, 16) === undefined ? `hex:${id.toLowerCase()}` : `text:${id}`);

describe('span ids as integer keys', () => {
  it('readSpanKey accepts exactly the ids idProblem accepts, and keys are small integers', () => {
    fc.assert(fc.property(anyId, (id) => {
      const [a, b, c, valid] = keyOf(id);
      expect(valid).toBe(idProblem(id, 16) === undefined);
      for (const k of [a, b]) expect(Number.isInteger(k) && k >= 0 && k < 2 ** 30).toBe(true);
      expect(valid ? c >= 0 && c < 16 : c === -1).toBe(true);
    }), { numRuns: 2000 });
  });

  it('two valid ids get the same keys exactly when they are equal ignoring case', () => {
    fc.assert(fc.property(hexId, hexId, (x, y) => {
      const kx = keyOf(x), ky = keyOf(y);
      if (!kx[3] || !ky[3]) return;
      expect(kx[0] === ky[0] && kx[1] === ky[1] && kx[2] === ky[2]).toBe(x.toLowerCase() === y.toLowerCase());
    }), { numRuns: 2000 });
    // Ids differing only in the two lowest bits of either half (the bits the third key carries).
    const base = keyOf('00000000000000f0'), other = keyOf('00000000000000f1'), high = keyOf('10000000000000f0');
    expect(base.slice(0, 3)).not.toEqual(other.slice(0, 3));
    expect(base.slice(0, 3)).not.toEqual(high.slice(0, 3));
  });

  it('the index finds, and reports duplicates, exactly as a Map of the ids does', () => {
    fc.assert(fc.property(fc.array(anyId, { maxLength: 300 }), fc.array(anyId, { maxLength: 50 }), (ids, probes) => {
      const records: KeyedRecord[] = ids.map((spanId) => {
        const [idA, idB, idC] = keyOf(spanId);
        return { spanId, idA, idB, idC };
      });
      const map = new Map<string, KeyedRecord>();
      beginIndex(records, records.length);
      records.forEach((rec, i) => {
        const first = addRecord(i);
        const expected = map.get(mapKey(rec.spanId));
        expect(first).toBe(expected);
        if (!expected) map.set(mapKey(rec.spanId), rec);
      });
      for (const id of [...probes, ...ids]) {
        const [a, b, c] = keyOf(id);
        expect(findRecord(a, b, c, id)).toBe(map.get(mapKey(id)));
      }
    }), { numRuns: 500 });
  });

  it('keys marked "compare the text" (c = -1) match only records with the same text', () => {
    const records = [{ spanId: 'x', idA: 7, idB: 1, idC: -1 }, { spanId: 'y', idA: 7, idB: 1, idC: -1 }, { spanId: 'x', idA: 7, idB: 1, idC: -1 }];
    beginIndex(records, records.length);
    expect(addRecord(0)).toBeUndefined();
    expect(addRecord(1)).toBeUndefined();
    expect(addRecord(2)).toBe(records[0]);
    expect(findRecord(7, 1, -1, 'y')).toBe(records[1]);
    expect(findRecord(7, 1, -1, 'z')).toBeUndefined();
  });

  it('a later index starts empty and holds more records than the table had room for', () => {
    const many = Array.from({ length: 5000 }, (_, i) => (i + 1).toString(16).padStart(16, '0'));
    const records = many.map((spanId) => { const [idA, idB, idC] = keyOf(spanId); return { spanId, idA, idB, idC }; });
    beginIndex(records, records.length);
    records.forEach((_, i) => expect(addRecord(i)).toBeUndefined());
    const [a, b, c] = keyOf(many[4321]);
    expect(findRecord(a, b, c, many[4321])).toBe(records[4321]);
    beginIndex(records.slice(0, 1), 1);
    expect(findRecord(a, b, c, many[4321])).toBeUndefined();
  });
});
