/** Trace ids as UUIDs, and span ids derived from a trace id and a position in the event tree. */

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isNonZeroHex(s: string): boolean {
  let nonZero = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 49 && c <= 57) nonZero = true; // 1-9
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) nonZero = true; // a-f, A-F
    else if (c !== 48) return false;
  }
  return nonZero;
}

export const ZERO_TRACE_ID = '0'.repeat(32);
export const ZERO_SPAN_ID = '0'.repeat(16);

export function isTraceId(id: unknown): id is string {
  return typeof id === 'string' && HEX32.test(id) && id !== ZERO_TRACE_ID;
}

export function isSpanId(id: unknown): id is string {
  return typeof id === 'string' && HEX16.test(id) && id !== ZERO_SPAN_ID;
}

/** Why `id` is not a valid OTLP id of `length` hex digits, or undefined when it is. */
export function idProblem(id: unknown, length: 16 | 32): string | undefined {
  if (typeof id === 'string' && id.length === length && isNonZeroHex(id)) return undefined;
  if (typeof id !== 'string') return `must be a hex string of ${length} digits, got ${id === undefined ? 'nothing' : typeof id}`;
  if (id.length !== length) return `must be ${length} hex digits, got ${id.length} ("${id.slice(0, 40)}")`;
  if (!/^[0-9a-fA-F]*$/.test(id)) return `must be hex digits only ("${id.slice(0, 40)}")`;
  if (/^0+$/.test(id)) return 'must not be all zeros (an invalid id in OTLP)';
  return undefined;
}

export function traceIdToUuid(traceId: string): string {
  const t = traceId.toLowerCase();
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`;
}

export function isUuid(id: unknown): boolean {
  return typeof id === 'string' && UUID.test(id);
}

/** The trace id for a document id (lower-case hex, dashes removed). */
export function uuidToTraceId(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}

const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

function hex32(n: number): string {
  return HEX_BYTE[n >>> 24] + HEX_BYTE[(n >>> 16) & 255] + HEX_BYTE[(n >>> 8) & 255] + HEX_BYTE[n & 255];
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 64-bit position hash, as two 32-bit lanes. A child's hash mixes its parent's hash with its
 * index, so an id depends on the trace id and the whole path from the root, at O(1) per event
 * (a path string would cost O(depth) per event: quadratic on 100k-deep documents).
 */
export interface PathHash { a: number; b: number }

export function traceSeed(traceId: string): PathHash {
  const w0 = parseInt(traceId.slice(0, 8), 16), w1 = parseInt(traceId.slice(8, 16), 16);
  const w2 = parseInt(traceId.slice(16, 24), 16), w3 = parseInt(traceId.slice(24, 32), 16);
  return { a: fmix(w0 ^ fmix(w2 ^ 0x5bd1e995)), b: fmix(w1 ^ fmix(w3 ^ 0x1b873593)) };
}

export function childHash(parent: PathHash, index: number): PathHash {
  const i = (index + 1) >>> 0;
  const a = fmix(parent.a ^ Math.imul(i, 0x9e3779b1) ^ fmix(parent.b));
  const b = fmix((parent.b + Math.imul(i, 0x85ebca77)) ^ a);
  return { a, b };
}

export function hashToSpanId(h: PathHash): string {
  return h.a === 0 && h.b === 0 ? '0000000000000001' : hex32(h.a) + hex32(h.b);
}

/**
 * A span id as three small integers (30 + 30 + 4 bits, each fits a V8 small integer, so records
 * hold them unboxed), written by readSpanKey. Span trees are assembled on these keys: a Map keyed
 * by the id strings would hash every string again (strings from JSON.parse are new each time), and
 * by then the strings have left the CPU cache. Text that is not 16 hex digits gets a hash of the
 * text and `c = -1`: such keys match only after comparing the text.
 */
export const spanKey = { a: 0, b: 0, c: 0 };

/** Sets spanKey for `id`; true when it is a valid span id (16 hex digits, either case, not all zeros). */
export function readSpanKey(id: string): boolean {
  if (id.length === 16) {
    let hi = 0, lo = 0, i = 0;
    for (; i < 16; i++) {
      const ch = id.charCodeAt(i);
      let v: number;
      if (ch >= 48 && ch <= 57) v = ch - 48;
      else {
        const lower = ch | 32;
        if (lower < 97 || lower > 102) break;
        v = lower - 87;
      }
      if (i < 8) hi = (hi << 4) | v; else lo = (lo << 4) | v;
    }
    if (i === 16 && (hi | lo) !== 0) {
      spanKey.a = hi >>> 2;
      spanKey.b = lo >>> 2;
      spanKey.c = ((hi & 3) << 2) | (lo & 3);
      return true;
    }
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  spanKey.a = h >>> 2;
  spanKey.b = id.length & 0x3fffffff;
  spanKey.c = -1;
  return false;
}
