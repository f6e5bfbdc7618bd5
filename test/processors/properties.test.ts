import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules } from '../../agent/processors/rules/compile';
import { Redactor } from '../../agent/processors/redactor';

const r = new Redactor(compileRules({ valueLengthLimit: 2048 }));

// Secrets with a recognisable shape, generated; the property: once embedded in arbitrary text,
// the redacted text never contains them.
const alnum = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 16, maxLength: 40 });
const upper = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split('')), minLength: 16, maxLength: 16 });
const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), minLength: 10, maxLength: 60 });

const secrets: Record<string, fc.Arbitrary<{ text: (pre: string, post: string) => string; secret: string }>> = {
  bearer: alnum.map((t) => ({ secret: t, text: (a, b) => `${a} Authorization: Bearer ${t} ${b}` })),
  jwt: fc.tuple(b64url, b64url, b64url).map(([h, p, s]) => {
    const t = `eyJ${h}.eyJ${p}.${s}`;
    return { secret: t, text: (a, b) => `${a} ${t} ${b}` };
  }),
  aws: upper.map((k) => ({ secret: `AKIA${k}`, text: (a, b) => `${a} AKIA${k} ${b}` })),
  password_assignment: alnum.map((t) => ({ secret: t, text: (a, b) => `${a} password=${t} ${b}` })),
  json_secret: alnum.map((t) => ({ secret: t, text: (a, b) => `${a} {"client_secret":"${t}"} ${b}` })),
  url_userinfo: alnum.map((t) => ({ secret: t, text: (a, b) => `${a} https://user:${t}@host.example/x ${b}` })),
  email: fc.tuple(alnum, fc.constantFrom('example.com', 'mail.example.org')).map(([l, d]) => ({ secret: `${l}@${d}`, text: (a, b) => `${a} ${l}@${d} ${b}` })),
};

// Surrounding text that cannot glue onto the secret (a separator is always between them).
const filler = fc.string({ maxLength: 200 }).map((s) => s.replace(/[A-Za-z0-9_.~+/=@%-]/g, ' '));

describe('properties (fast-check)', () => {
  for (const [name, arb] of Object.entries(secrets)) {
    it(`${name}: never present after redaction, whatever the surrounding text`, () => {
      fc.assert(
        fc.property(arb, filler, filler, (s, pre, post) => {
          const out = r.text(s.text(pre, post));
          expect(out).not.toContain(s.secret);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('sensitive keys: the value never survives, whatever the key casing and separators', () => {
    const key = fc.tuple(fc.constantFrom('password', 'api_key', 'secret', 'auth_token', 'set-cookie'), fc.boolean(), fc.string({ maxLength: 5 }))
      .map(([k, upperCase, prefix]) => `${prefix.replace(/\W/g, '')}${upperCase ? k.toUpperCase() : k}`);
    fc.assert(
      fc.property(key, fc.string({ minLength: 1 }), (k, v) => {
        const out = r.value({ outer: { [k]: v } }) as { outer: Record<string, unknown> };
        expect(out.outer[k]).toBe('[REDACTED]');
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary values (anything, deep, with odd strings) and always terminates', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 6, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withUnicodeString: true }), (v) => {
        expect(() => r.value(v)).not.toThrow();
        const attrs = { v, 'db.query.text': typeof v === 'string' ? v : 'SELECT 1', 'url.full': String(typeof v === 'string' ? v : '') } as Record<string, unknown>;
        expect(() => r.attributesInPlace(attrs)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary strings as SQL, URL or text, and respects the length limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 3000 }), (s) => {
        for (const out of [r.text(s), r.sql(s), r.url(s), r.spanName(s)]) {
          expect(typeof out).toBe('string');
          expect(out.length).toBeLessThanOrEqual(2048);
        }
      }),
      { numRuns: 300 },
    );
  });
});
