import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUuidTraceId, isTraceId, seedOfWords, traceIdToUuid, traceSeed, uuidToTraceId } from '../../converters/ids';
import { msToNanoString } from '../../converters/scheme-to-otlp';

// Hand-written replacements of parseInt, regular expressions and template strings on the
// scheme → OTLP path, held to the code they replace.

const hex32 = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 32, maxLength: 32 }).map((c) => c.join(''));

describe('ids on the scheme → OTLP path', () => {
  it('traceSeed reads the four words as parseInt(…, 16) did', () => {
    fc.assert(fc.property(hex32, (t) => {
      const [w0, w1, w2, w3] = [0, 8, 16, 24].map((at) => parseInt(t.slice(at, at + 8), 16));
      expect(traceSeed(t)).toEqual(seedOfWords(w0, w1, w2, w3));
    }), { numRuns: 2000 });
  });

  it('canonicalUuidTraceId answers exactly for the ids written back unchanged, with uuidToTraceId\'s trace id', () => {
    const id = fc.oneof(
      fc.uuid(),
      fc.uuid().map((u) => u.toUpperCase()),
      hex32.map((t) => t.slice(0, 8) + '-' + t.slice(8, 12) + '-' + t.slice(12, 16) + '-' + t.slice(16, 20) + '-' + t.slice(20)),
      fc.constantFrom('00000000-0000-0000-0000-000000000000', '0000000000000000000000000000000000ab', 'a-b', ''),
      hex32.map((t) => `${t.slice(0, 9)}-${t.slice(9)}---`),
      fc.string({ minLength: 30, maxLength: 40 }),
    );
    fc.assert(fc.property(id, (u) => {
      const canonical = canonicalUuidTraceId(u);
      const traceId = uuidToTraceId(u);
      expect(canonical !== undefined).toBe(isTraceId(traceId) && traceIdToUuid(traceId) === u);
      if (canonical !== undefined) expect(canonical).toBe(traceId);
    }), { numRuns: 3000 });
  });

  it('msToNanoString gives `${ms}000000` whatever the order of the values (its cache is per millisecond)', () => {
    const ms = fc.oneof(fc.integer({ min: 0, max: 300 }).map((d) => 1_763_700_000_000 + d * 256), fc.integer({ min: 1_763_700_000_000, max: 1_763_700_000_600 }), fc.constantFrom(0, -1, 1.5, NaN, 255, 256));
    fc.assert(fc.property(fc.array(ms, { maxLength: 100 }), (list) => {
      for (const m of list) expect(msToNanoString(m)).toBe(m === 0 ? '0' : `${m}000000`);
    }), { numRuns: 300 });
  });
});
