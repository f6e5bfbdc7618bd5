import * as fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { PADDED_LENGTH_WIDTH, ProtobufWriter, int64Size, isInt64, utf8Length, varint32Size } from '../../agent/export/protobuf-writer';
import { anyCodeUnitText, longText } from './arbitraries';

function written(fill: (w: ProtobufWriter) => void, capacity = 16): Buffer {
  const w = new ProtobufWriter(capacity);
  fill(w);
  return Buffer.from(w.copyOut());
}

/** The reference: an unsigned 64-bit varint from a BigInt. */
function bigVarint(value: bigint): Buffer {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const TWO_64 = 1n << 64n;

describe('ProtobufWriter', () => {
  it('hrTime: fixed64 nanoseconds exactly as BigInt computes them, past 2^53 and up to the wrap at 2^64', () => {
    const seconds = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 1, 9_007_199, 9_007_200, 1_700_000_000, 0xffffffff, 2 ** 32, 18_446_744_073, 2 ** 53 - 1),
      fc.maxSafeNat(),
    );
    const nanos = fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 999_999_999));
    fc.assert(
      fc.property(seconds, nanos, (s, n) => {
        const expected = (BigInt(s) * 1_000_000_000n + BigInt(n)) % TWO_64;
        const bytes = written((w) => w.hrTime([s, n]));
        expect(bytes.length).toBe(8);
        expect(bytes.readBigUInt64LE(0)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('hrTime: the value where seconds * 1e9 first passes 2^53 is exact (a double product would round it)', () => {
    const s = 9_007_200; // 9_007_200e9 > 2^53
    const n = 123_456_789;
    expect(BigInt(s * 1e9 + n)).not.toBe(BigInt(s) * 1_000_000_000n + BigInt(n)); // the naive product loses the last digit
    expect(written((w) => w.hrTime([s, n])).readBigUInt64LE(0)).toBe(BigInt(s) * 1_000_000_000n + BigInt(n));
  });

  it('varint32 and varint64 match the BigInt reference and protobufjs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const bytes = written((w) => w.varint32(v));
        expect(bytes).toEqual(bigVarint(BigInt(v)));
        expect(bytes.length).toBe(varint32Size(v));
        expect(Buffer.from(protobuf.Writer.create().uint32(v).finish())).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: TWO_64 - 1n }), (v) => {
        const low = Number(v & 0xffffffffn);
        const high = Number(v >> 32n);
        expect(written((w) => w.varint64(low, high))).toEqual(bigVarint(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('int64 from a JS number: two\'s complement for negatives, the same size as int64Size, as protobufjs encodes it', () => {
    const numbers = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -0, -1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 32 - 1, -(2 ** 32), 2 ** 53, 2 ** 62, 2 ** 63 - 1024, -(2 ** 63)),
      fc.double({ min: -(2 ** 63), max: 2 ** 63, noNaN: true }).map(Math.trunc).filter((x) => x < 2 ** 63),
    );
    fc.assert(
      fc.property(numbers, (v) => {
        expect(isInt64(v)).toBe(true);
        const bytes = written((w) => w.int64(v));
        expect(bytes).toEqual(bigVarint(BigInt(v)));
        expect(bytes.length).toBe(int64Size(v));
        const viaProtobufjs = protobuf.Writer.create().int64(BigInt(v).toString() as unknown as number).finish();
        expect(Buffer.from(viaProtobufjs)).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('isInt64 draws the int/double line where upstream does', () => {
    expect([0, -0, 1, -1, 2 ** 53, -(2 ** 63), 2 ** 63 - 1024].every(isInt64)).toBe(true);
    expect([0.5, NaN, Infinity, -Infinity, 2 ** 63, 2 ** 64, -(2 ** 64), 1e300].some(isInt64)).toBe(false);
  });

  it('fixed32, fixed64 and double are little-endian', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.double(), (lo, hi, d) => {
        const b = written((w) => {
          w.fixed32(lo);
          w.fixed64(lo, hi);
          w.double(d);
        });
        expect(b.readUInt32LE(0)).toBe(lo);
        expect(b.readBigUInt64LE(4)).toBe((BigInt(hi) << 32n) | BigInt(lo));
        expect(Object.is(b.readDoubleLE(12), d)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('strings: UTF-8 exactly as TextEncoder writes it (astral, lone surrogates as U+FFFD), short and long', () => {
    const encoder = new TextEncoder();
    const text = fc.oneof(anyCodeUnitText, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string(), longText);
    fc.assert(
      fc.property(text, (s) => {
        const utf8 = encoder.encode(s);
        expect(utf8Length(s)).toBe(utf8.length);
        const bytes = written((w) => w.string(s));
        expect(bytes).toEqual(Buffer.concat([bigVarint(BigInt(utf8.length)), utf8]));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['\ud800', '\udc00', '\udc00\ud800', 'a\ud83d', '\ud83d\ude00', '\ud83d\ude00\ud83d', 'é'.repeat(100) + '\ud800', 'x'.repeat(100_000)]) {
      expect(written((w) => w.string(s)).subarray(varint32Size(encoder.encode(s).length))).toEqual(Buffer.from(encoder.encode(s)));
    }
  });

  it('hex ids become bytes; raw bytes and ranges are copied as they are', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (bytes, upper) => {
        const hex = Buffer.from(bytes).toString('hex');
        const b = written((w) => w.hexBytes(upper ? hex.toUpperCase() : hex));
        expect(b).toEqual(Buffer.concat([bigVarint(BigInt(bytes.length)), bytes]));
        expect(written((w) => w.bytes(bytes))).toEqual(b);
        expect(written((w) => w.rawRange(bytes, 0, bytes.length))).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('a reserved length is a padded varint that protobufjs reads back, for every uint32 length', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1)), (length) => {
        const w = new ProtobufWriter(16);
        w.byte(0xaa);
        const start = w.beginLength();
        expect(w.pos).toBe(1 + PADDED_LENGTH_WIDTH);
        w.pos += length; // endLength only patches the prefix: a length as large as 4 GiB can be checked without writing it
        w.endLength(start);
        const prefix = w.buf.subarray(start, start + PADDED_LENGTH_WIDTH);
        const reader = protobuf.Reader.create(prefix);
        expect(reader.uint32()).toBe(length);
        expect(reader.pos).toBe(PADDED_LENGTH_WIDTH);
        expect(w.buf[0]).toBe(0xaa);
      }),
      { numRuns: 2000 },
    );
  });

  it('a nested message written with a reserved length decodes in protobufjs, and nothing after it moved', () => {
    const type = protobuf.parse('syntax = "proto3"; message Inner { string s = 1; } message Outer { Inner inner = 1; uint32 after = 2; }').root.lookupType('Outer');
    const w = new ProtobufWriter(16);
    w.byte(0x0a);
    const start = w.beginLength();
    w.byte(0x0a);
    w.string('é'.repeat(300));
    w.endLength(start);
    w.byte(0x10);
    w.varint32(7);
    expect(type.toObject(type.decode(w.copyOut()))).toEqual({ inner: { s: 'é'.repeat(300) }, after: 7 });
  });

  it('grows from a tiny buffer without losing what was written, and resizes back', () => {
    const w = new ProtobufWriter(16);
    for (let i = 0; i < 10_000; i++) w.varint32(i);
    const expected = Buffer.concat(Array.from({ length: 10_000 }, (_, i) => bigVarint(BigInt(i))));
    expect(Buffer.from(w.copyOut())).toEqual(expected);
    w.resize(w.pos);
    expect(w.buf.length).toBe(w.pos);
    expect(Buffer.from(w.copyOut())).toEqual(expected);
    w.reset();
    expect(w.pos).toBe(0);
  });
});
