import type { HrTime } from '@opentelemetry/api';

/**
 * A growable, reusable protobuf byte buffer: the primitives of the OTLP encoder.
 *
 * Nested messages whose size is not known before they are written get a length prefix reserved at
 * a fixed width (`beginLength` / `endLength`): the prefix is patched in place once the message is
 * written, as a padded varint, so nothing is ever shifted. Protobuf parsers accept non-minimal
 * varints (the wire format defines a varint by its continuation bits, not by its length; protobufjs,
 * Go's protowire and the collector's pdata decode them, which the tests check), so a padded prefix
 * costs only its extra bytes. Five bytes hold any uint32 length, so no message can outgrow its
 * prefix. Where a length is known beforehand (strings, scalar key-values, ids) it is written minimal.
 */

/** Bytes reserved for a length prefix patched after the message is written (a padded varint). */
export const PADDED_LENGTH_WIDTH = 5;

export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** The key of a field: its number and wire type, as the varint that precedes its value. */
export function fieldTag(fieldNumber: number, wireType: WireType): number {
  return ((fieldNumber << 3) | wireType) >>> 0;
}

/** Bytes of `value` (an unsigned 32-bit integer) as a minimal varint. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

const TWO_32 = 4294967296;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64_EXCLUSIVE = 2 ** 63;

/**
 * Whether OTLP encodes this number as `int_value` (else `double_value`): an integer within the
 * int64 range. The same rule as @opentelemetry/otlp-transformer, so both encoders agree on the wire.
 */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64_EXCLUSIVE;
}

/** Bytes of an int64 varint (negative numbers take ten, two's complement). `value` passes isInt64. */
export function int64Size(value: number): number {
  if (value < 0) return 10;
  if (value < TWO_32) return varint32Size(value);
  let high = (value / TWO_32) >>> 0;
  let size = 5;
  // Bits 32 and up, after the 35 bits the first five bytes hold.
  high >>>= 3;
  while (high > 0) {
    size++;
    high >>>= 7;
  }
  return size;
}

/** Writes `value` (an unsigned 32-bit integer) as a minimal varint at `pos` of `out`, which has room; returns the position after it. */
export function putVarint32(out: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v > 0x7f) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
  return pos;
}

/**
 * Bytes of `text` in UTF-8, as TextEncoder encodes it: a lone surrogate becomes U+FFFD (3 bytes), a
 * surrogate pair 4 bytes. Equals `text.length` exactly when the text is ASCII.
 */
export function utf8Length(text: string): number {
  const n = text.length;
  if (n > LONG_STRING) return Buffer.byteLength(text, 'utf8');
  let i = 0;
  while (i < n && text.charCodeAt(i) < 0x80) i++;
  if (i === n) return n;
  let bytes = i;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate (U+FFFD)
  }
  return bytes;
}

/**
 * Above this many UTF-16 units, strings go through Node's native UTF-8 routines (one call, SIMD)
 * instead of the per-character loop, which wins on the short keys and values of typical spans.
 */
const LONG_STRING = 48;

/** Hex digit → its value; every other character reads as 0 (ids from the SDK are always valid hex). */
const HEX_VALUE = new Uint8Array(128);
for (let c = 0; c < 10; c++) HEX_VALUE[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX_VALUE[0x61 + c] = 10 + c;
  HEX_VALUE[0x41 + c] = 10 + c;
}

/** Seconds times 1e9 split into 16-bit halves of 1e9, so every product stays below 2^53. */
const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_HIGH16 = Math.floor(NANOS_PER_SECOND / 0x10000); // 15258
const NANOS_LOW16 = NANOS_PER_SECOND % 0x10000; // 51712

export class ProtobufWriter {
  /** The bytes written so far are `buf[0, pos)`. */
  buf: Buffer;
  pos = 0;
  private readonly float = new Float64Array(1);
  private readonly floatBytes = new Uint8Array(this.float.buffer);

  constructor(initialCapacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(16, initialCapacity));
  }

  /** Forgets what was written; the memory is kept for the next use. */
  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes, doubling the buffer as needed (what was written is kept). */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Moves what was written to a buffer of `capacity` bytes (at least what was written): gives back memory after a spike. */
  resize(capacity: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(16, capacity, this.pos));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** An unsigned 32-bit integer as a minimal varint. */
  varint32(value: number): void {
    this.ensure(5);
    this.pos = putVarint32(this.buf, this.pos, value);
  }

  /** A 64-bit varint from its low and high 32 bits. */
  varint64(low: number, high: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    let lo = low >>> 0;
    let hi = high >>> 0;
    while (hi > 0 || lo > 0x7f) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  /** An int64 varint from a number that passes isInt64 (negative numbers in two's complement). */
  int64(value: number): void {
    if (value >= 0) {
      if (value < TWO_32) this.varint32(value);
      else this.varint64(value >>> 0, (value / TWO_32) >>> 0);
      return;
    }
    const abs = -value;
    let lo = ~(abs >>> 0) >>> 0;
    let hi = ~((abs / TWO_32) >>> 0) >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
    this.varint64(lo, hi);
  }

  fixed32(value: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    const v = value >>> 0;
    b[p] = v & 0xff;
    b[p + 1] = (v >>> 8) & 0xff;
    b[p + 2] = (v >>> 16) & 0xff;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /** A fixed64 from its low and high 32 bits, little-endian. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    const b = this.buf;
    const p = this.pos;
    const lo = low >>> 0;
    const hi = high >>> 0;
    b[p] = lo & 0xff;
    b[p + 1] = (lo >>> 8) & 0xff;
    b[p + 2] = (lo >>> 16) & 0xff;
    b[p + 3] = lo >>> 24;
    b[p + 4] = hi & 0xff;
    b[p + 5] = (hi >>> 8) & 0xff;
    b[p + 6] = (hi >>> 16) & 0xff;
    b[p + 7] = hi >>> 24;
    this.pos = p + 8;
  }

  /**
   * An HrTime [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, exactly: seconds * 1e9
   * passes 2^53 (in 1970 + 104 days), so the product is built from 32-bit parts that all stay exact
   * in doubles. Seconds are non-negative integers below 2^53, nanoseconds integers (normally < 1e9).
   */
  hrTime(time: HrTime): void {
    const seconds = time[0];
    const nanos = time[1];
    const secondsLow = seconds >>> 0;
    const secondsHigh = Math.floor(seconds / TWO_32);
    const a = secondsLow * NANOS_LOW16; // < 2^48
    const b = secondsLow * NANOS_HIGH16; // < 2^46, weighs 2^16
    const lowSum = (a >>> 0) + (b % 0x10000) * 0x10000 + nanos; // < 3 * 2^32
    const high = Math.floor(a / TWO_32) + Math.floor(b / 0x10000) + Math.floor(lowSum / TWO_32) + secondsHigh * NANOS_PER_SECOND;
    this.fixed64(lowSum >>> 0, high >>> 0);
  }

  /** An IEEE 754 double, little-endian. */
  double(value: number): void {
    this.ensure(8);
    this.float[0] = value;
    const f = this.floatBytes;
    const b = this.buf;
    const p = this.pos;
    b[p] = f[0]!;
    b[p + 1] = f[1]!;
    b[p + 2] = f[2]!;
    b[p + 3] = f[3]!;
    b[p + 4] = f[4]!;
    b[p + 5] = f[5]!;
    b[p + 6] = f[6]!;
    b[p + 7] = f[7]!;
    this.pos = p + 8;
  }

  /** A string field's value: minimal length prefix, then UTF-8. */
  string(text: string): void {
    const size = utf8Length(text);
    this.varint32(size);
    this.utf8(text, size);
  }

  /** The UTF-8 bytes of `text`, whose byte length `size` the caller got from utf8Length. */
  utf8(text: string, size: number): void {
    this.ensure(size);
    const n = text.length;
    const b = this.buf;
    let p = this.pos;
    if (n > LONG_STRING) {
      b.write(text, p, size, size === n ? 'latin1' : 'utf8');
      this.pos = p + size;
      return;
    }
    if (size === n) {
      for (let i = 0; i < n; i++) b[p++] = text.charCodeAt(i);
      this.pos = p;
      return;
    }
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        b[p++] = c;
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >>> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && (next & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          b[p++] = 0xf0 | (c >>> 18);
          b[p++] = 0x80 | ((c >>> 12) & 0x3f);
          b[p++] = 0x80 | ((c >>> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        } else {
          // A lone surrogate: U+FFFD, as TextEncoder writes it.
          b[p++] = 0xef;
          b[p++] = 0xbf;
          b[p++] = 0xbd;
        }
      } else {
        b[p++] = 0xe0 | (c >>> 12);
        b[p++] = 0x80 | ((c >>> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    this.pos = p;
  }

  /** A bytes field's value: minimal length prefix, then the bytes. */
  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.raw(value);
  }

  /** Bytes as they are (a pre-encoded part of a message). */
  raw(value: Uint8Array): void {
    const n = value.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n <= 16) {
      for (let i = 0; i < n; i++) b[p++] = value[i]!;
      this.pos = p;
    } else {
      b.set(value, p);
      this.pos = p + n;
    }
  }

  /** Bytes [start, end) of `source` as they are (ids held as bytes). */
  rawRange(source: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    const b = this.buf;
    let p = this.pos;
    for (let i = start; i < end; i++) b[p++] = source[i]!;
    this.pos = p;
  }

  /** A bytes field's value from a hex string (a trace or span id): half as many bytes as hex digits. */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    if (n < 0x80) {
      this.ensure(n + 1);
      this.buf[this.pos++] = n; // ids are 8 or 16 bytes: a one-byte length
    } else {
      this.varint32(n);
      this.ensure(n);
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      b[p++] = (HEX_VALUE[hex.charCodeAt(2 * i) & 0x7f]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1) & 0x7f]!;
    }
    this.pos = p;
  }

  /**
   * Reserves a padded length prefix for a message about to be written; returns where it starts,
   * for endLength once the message is complete.
   */
  beginLength(): number {
    this.ensure(PADDED_LENGTH_WIDTH);
    const start = this.pos;
    this.pos = start + PADDED_LENGTH_WIDTH;
    return start;
  }

  /** Patches the prefix reserved at `start` with the length of what was written since. */
  endLength(start: number): void {
    const length = this.pos - start - PADDED_LENGTH_WIDTH;
    const b = this.buf;
    b[start] = (length & 0x7f) | 0x80;
    b[start + 1] = ((length >>> 7) & 0x7f) | 0x80;
    b[start + 2] = ((length >>> 14) & 0x7f) | 0x80;
    b[start + 3] = ((length >>> 21) & 0x7f) | 0x80;
    b[start + 4] = length >>> 28;
  }

  /** A copy of bytes [start, end) written so far, owned by the caller. */
  copyOut(start = 0, end = this.pos): Uint8Array {
    const out = new Uint8Array(end - start);
    this.buf.copy(out, 0, start, end);
    return out;
  }
}
