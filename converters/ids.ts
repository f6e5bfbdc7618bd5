/** Trace ids as UUIDs, and span ids derived from a trace id and a position in the event tree. */

const HEX32 = /^[0-9a-f]{32}$/;
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

export function isTraceId(id: unknown): id is string {
  return typeof id === 'string' && HEX32.test(id) && id !== ZERO_TRACE_ID;
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
  return seedOfWords(hexWord(traceId, 0), hexWord(traceId, 8), hexWord(traceId, 16), hexWord(traceId, 24));
}

/** The seed of a trace id given as its four 32-bit words, in order. */
export function seedOfWords(w0: number, w1: number, w2: number, w3: number): PathHash {
  return { a: fmix(w0 ^ fmix(w2 ^ 0x5bd1e995)), b: fmix(w1 ^ fmix(w3 ^ 0x1b873593)) };
}

/** The 32 bits of 8 hex digits at `at` (the int32 that parseInt(…, 16) gives after `^`). */
function hexWord(hex: string, at: number): number {
  let w = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    w = (w << 4) | (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return w;
}

/**
 * The trace id of a document id in the form writers use (36 characters, lower-case hex, dashes at
 * 8, 13, 18 and 23, not all zeros), found in one pass; undefined for any other form, which
 * uuidToTraceId and isTraceId then judge.
 */
export function canonicalUuidTraceId(id: string): string | undefined {
  if (id.length !== 36) return undefined;
  let nonZero = false;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) { if (c !== 45) return undefined; continue; }
    if (c >= 49 && c <= 57) nonZero = true;
    else if (c >= 97 && c <= 102) nonZero = true;
    else if (c !== 48) return undefined;
  }
  if (!nonZero) return undefined;
  return id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
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
export const spanKey = { a: 0, b: 0, c: 0, upperCase: false };

/**
 * Sets spanKey for `id`; true when it is a valid span id (16 hex digits, either case, not all
 * zeros). spanKey.upperCase then tells whether it has upper-case digits.
 */
export function readSpanKey(id: string): boolean {
  if (id.length === 16) {
    hexUpper = false;
    const hi = hex8(id, 0), lo = hex8(id, 8);
    if (hi >= 0 && lo >= 0 && (hi !== 0 || lo !== 0)) {
      spanKey.a = hi >>> 2;
      spanKey.b = lo >>> 2;
      spanKey.c = ((hi & 3) << 2) | (lo & 3);
      spanKey.upperCase = hexUpper;
      return true;
    }
  }
  textSpanKey(id);
  return false;
}

/** spanKey for text that is not a span id: a hash of the text, compared as text (c = -1). */
function textSpanKey(id: string): void {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  spanKey.a = h >>> 2;
  spanKey.b = id.length & 0x3fffffff;
  spanKey.c = -1;
  spanKey.upperCase = false;
}

let hexUpper = false;

/** 8 hex digits at `at` as 0..2^32-1 (hexUpper set when one is upper case), or -1. */
function hex8(id: string, at: number): number {
  let w = 0;
  for (let i = at; i < at + 8; i++) {
    const ch = id.charCodeAt(i);
    let v: number;
    if (ch >= 48 && ch <= 57) v = ch - 48;
    else if (ch >= 97 && ch <= 102) v = ch - 87;
    else if (ch >= 65 && ch <= 70) { v = ch - 55; hexUpper = true; }
    else return -1;
    w = (w << 4) | v;
  }
  return w >>> 0;
}
