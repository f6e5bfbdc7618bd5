import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { diag } from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { fastCleanAttributes, fastMaybeAddAttribute } from '../../agent/upstream/fast-attributes';

// The fast paths must give exactly upstream's result: same attributes (keys, order, values), same
// dropped count, same decision, for every shape of input and every limit.
const upstreamClean = core.cleanAttributes as unknown as Parameters<typeof fastCleanAttributes>[0];
const upstreamAdd = core.maybeAddAttribute as unknown as Parameters<typeof fastMaybeAddAttribute>[0];
const clean = fastCleanAttributes(upstreamClean);
const add = fastMaybeAddAttribute(upstreamAdd);

const value = fc.oneof(
  fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(undefined), fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(undefined)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer())),
  fc.constant(new Uint8Array([1, 2, 3])), fc.constant(() => 1), fc.constant(Symbol('s')), fc.constant(10n),
);
const attrs = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constant('')), value, { maxKeys: 12 });
const limits = fc.record({
  attributeCountLimit: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 8 }), fc.constant(undefined)),
  attributeValueLengthLimit: fc.oneof(fc.constant(Infinity), fc.integer({ min: -1, max: 20 }), fc.constant(Number.NaN), fc.constant(undefined)),
}, { requiredKeys: [] });

describe('fast attribute paths', () => {
  const warn = vi.spyOn(diag, 'warn').mockImplementation(() => {});

  it('cleanAttributes: same output as upstream for any attributes and limits', () => {
    fc.assert(fc.property(attrs, limits, (a, l) => {
      const want = upstreamClean(a, l);
      const got = clean(a, l);
      expect(Object.entries(got.attributes ?? {})).toEqual(Object.entries(want.attributes ?? {}));
      expect(got.droppedAttributesCount).toBe(want.droppedAttributesCount);
    }), { numRuns: 2000 });
    expect(clean(undefined, {})).toEqual(upstreamClean(undefined, {}));
  });

  it('maybeAddAttribute: same decision and same map as upstream', () => {
    fc.assert(fc.property(attrs, fc.oneof(fc.string({ maxLength: 12 }), fc.constant('')), value, limits, (a, key, v, l) => {
      const count = Object.keys(a).length;
      const want = { ...a };
      const got = { ...a };
      const d1 = upstreamAdd({ attributes: want, key, value: v, currentAttributesCount: count, limits: l });
      const d2 = add({ attributes: got, key, value: v, currentAttributesCount: count, limits: l });
      expect(d2).toBe(d1);
      expect(Object.entries(got)).toEqual(Object.entries(want));
    }), { numRuns: 2000 });
  });

  it('truncates long strings as upstream does', () => {
    expect(clean({ a: 'x'.repeat(10), b: 1 }, { attributeValueLengthLimit: 4 }).attributes).toEqual({ a: 'xxxx', b: 1 });
    warn.mockRestore();
  });
});
