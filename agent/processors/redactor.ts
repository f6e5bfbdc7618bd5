import { KeyKind, type CompiledRules } from './rules/compile';
import { SqlParameterMap } from './rules/sql-params';
import { passesLuhn } from './rules/scanner';

/** Bounds for values of any shape: deep or huge objects cost at most this much, and never throw. */
const MAX_DEPTH = 8;
const MAX_ENTRIES = 512;
/**
 * A string is scanned up to this far past the length limit before it is cut, so that a secret that
 * straddles the cut is still recognised whole (PEM keys are the longest, ~3.3 kB for RSA 4096).
 */
const SCAN_MARGIN = 4096;

type Attrs = Record<string, unknown>;

function cut(s: string, limit: number): string {
  return s.length > limit ? s.slice(0, limit) : s;
}

/**
 * Results for strings that repeat on every request: parameterized SQL, span names, user agents.
 * A bounded map that is simply emptied when full: no LRU bookkeeping on the hot path, and a
 * workload of unique strings costs one lookup and one insert each.
 */
class ResultCache {
  private map = new Map<string, string>();
  constructor(private readonly maxEntries: number, readonly maxLength: number) {}
  get(s: string): string | undefined {
    return this.map.get(s);
  }
  set(s: string, out: string): void {
    if (this.map.size >= this.maxEntries) this.map = new Map();
    this.map.set(s, out);
  }
}

// Card numbers that arrive as numbers (span.setAttribute('payment.card', 4111111111111111)): 15 or
// 16 digits with a card brand's prefix and a valid Luhn sum. Brand prefixes keep microsecond
// timestamps (17…) and other large ids out.
const CARD_NUMBER = /^(?:4\d{15}|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|6(?:011|5\d\d)\d{12})$/;
function looksLikeCardNumber(n: number): boolean {
  if (n < 1e14 || n >= 1e16 || !Number.isInteger(n)) return false;
  const digits = String(n);
  return CARD_NUMBER.test(digits) && passesLuhn(digits);
}

// Frames of a stack trace are code locations; the secrets are in the message lines above them.
const FIRST_FRAME = '\n    at ';

/**
 * Applies compiled rules to strings, attribute maps and arbitrary values. One decision per key
 * (cached), one regex pass per string; untouched strings are returned as they are (no copy).
 */
export class Redactor {
  private readonly params: SqlParameterMap;
  private readonly textCache = new ResultCache(2048, 512);
  private readonly sqlCache = new ResultCache(1024, 4096);
  private readonly nameCache = new ResultCache(1024, 256);
  private readonly urlCache = new ResultCache(2048, 512);
  private readonly cardNumbers: boolean;

  constructor(readonly rules: CompiledRules) {
    this.params = new SqlParameterMap(rules.isSensitiveKey);
    this.cardNumbers = rules.patternNames.includes('card_number');
  }

  private number(n: number): number | string {
    return this.cardNumbers && n >= 1e14 && looksLikeCardNumber(n) ? '[REDACTED:card_number]' : n;
  }

  /** Cuts to the length limit, after scanning a margin past it (one method per kind: no closures on the hot path). */
  text(s: string): string {
    const limit = this.rules.valueLengthLimit;
    if (s.length > limit) return cut(this.rules.text.apply(s.slice(0, limit + SCAN_MARGIN)), limit);
    return this.rules.text.apply(s);
  }

  /**
   * text() through the result cache: for attribute values, which repeat from request to request
   * (user agents, routes, span names). Log bodies and meta vary, and skip the cache.
   */
  private cachedText(s: string): string {
    const cache = this.textCache;
    if (s.length > cache.maxLength) return this.text(s);
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const out = this.rules.text.apply(s);
    cache.set(s, out);
    return out;
  }

  /** exception.stacktrace: the message lines are scanned, the frames below them are kept as they are. */
  stack(s: string): string {
    const at = s.indexOf(FIRST_FRAME);
    if (at < 0 || at > this.rules.valueLengthLimit) return this.text(s);
    const head = s.slice(0, at);
    const red = this.cachedText(head);
    return red === head ? cut(s, this.rules.valueLengthLimit) : cut(red + s.slice(at), this.rules.valueLengthLimit);
  }

  url(s: string): string {
    const limit = this.rules.valueLengthLimit;
    if (s.length > limit) return cut(this.rules.url.apply(s.slice(0, limit + SCAN_MARGIN)), limit);
    return this.rules.url.apply(s);
  }

  /** url() through a result cache: paths and queries repeat from request to request. */
  private cachedUrl(s: string): string {
    const cache = this.urlCache;
    if (s.length > cache.maxLength) return this.url(s);
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const out = this.url(s);
    cache.set(s, out);
    return out;
  }

  sql(s: string): string {
    const limit = this.rules.valueLengthLimit;
    if (s.length > limit) return cut(this.rules.sql.apply(s.slice(0, limit + SCAN_MARGIN)), limit);
    const cache = this.sqlCache;
    if (s.length > cache.maxLength) return this.rules.sql.apply(s);
    const hit = cache.get(s);
    if (hit !== undefined) return hit;
    const out = this.rules.sql.apply(s);
    cache.set(s, out);
    return out;
  }

  /** Span names may carry a raw path (unmatched routes, custom names): URL rules cover both. */
  spanName(name: string): string {
    const cache = this.nameCache;
    if (name.length > cache.maxLength) return this.url(name);
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    const out = this.url(name);
    cache.set(name, out);
    return out;
  }

  /** A string under `kind`. */
  private stringFor(kind: KeyKind, s: string, cached = false): string {
    switch (kind) {
      case KeyKind.Url: return cached ? this.cachedUrl(s) : this.url(s);
      case KeyKind.Sql: return this.sql(s);
      case KeyKind.Stack: return this.stack(s);
      default: return cached ? this.cachedText(s) : this.text(s);
    }
  }

  /**
   * Redacts a flat OTel attribute map in place (span, event, link and log attributes). Values are
   * primitives or homogeneous arrays, except on log records, where maps may nest.
   */
  attributesInPlace(attrs: Attrs | undefined): void {
    if (!attrs) return;
    for (const key in attrs) {
      const value = attrs[key];
      if (value === undefined || value === null) continue;
      const kind = this.rules.keyKind(key);
      if (kind === KeyKind.Skip) continue;
      if (kind === KeyKind.Sensitive) {
        attrs[key] = this.rules.mask;
        continue;
      }
      if (typeof value === 'string') {
        const out = this.stringFor(kind, value, true);
        if (out !== value) attrs[key] = out;
      } else if (typeof value === 'number') {
        if (value >= 1e14) attrs[key] = this.number(value);
      } else if (kind === KeyKind.DbParameters && Array.isArray(value)) {
        attrs[key] = this.dbParameters(value, attrs);
      } else if (typeof value === 'object') {
        attrs[key] = this.valueFor(kind, value, 0, []);
      }
    }
  }

  /** Bound values (recorded only on opt-in): masked whole when their column is sensitive, else scanned. */
  private dbParameters(values: unknown[], attrs: Attrs): unknown[] {
    const sql = attrs['db.query.text'] ?? attrs['db.statement'];
    const sensitive = typeof sql === 'string' ? this.params.sensitiveIndexes(sql) : undefined;
    const out = new Array<unknown>(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = sensitive?.has(i) ? this.rules.mask : typeof v === 'string' ? this.text(v) : this.valueFor(KeyKind.Text, v, 1, []);
    }
    return out;
  }

  /** Redacts any value and returns a copy where something had to change. Never throws. */
  value(value: unknown): unknown {
    try {
      return this.valueFor(KeyKind.Text, value, 0, []);
    } catch {
      return this.rules.mask;
    }
  }

  private valueFor(kind: KeyKind, value: unknown, depth: number, ancestors: object[]): unknown {
    if (kind === KeyKind.Skip && typeof value !== 'object') return value;
    switch (typeof value) {
      case 'string': return this.stringFor(kind, value);
      case 'number': return this.number(value);
      case 'boolean': case 'undefined': return value;
      case 'bigint': return value.toString();
      case 'symbol': return value.toString();
      case 'function': return '[function]';
    }
    if (value === null) return null;
    const obj = value as object;
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
      // Bytes cannot be scanned for secrets reliably (encodings, compression): say what was there.
      const size = (obj as ArrayBufferView | ArrayBuffer).byteLength;
      return `[REDACTED:binary ${size} bytes]`;
    }
    if (depth >= MAX_DEPTH) return '[depth limit]';
    if (ancestors.includes(obj)) return '[circular]';
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    ancestors.push(obj);
    try {
      if (Array.isArray(obj)) {
        const n = Math.min(obj.length, MAX_ENTRIES);
        let out: unknown[] | undefined;
        for (let i = 0; i < n; i++) {
          const item: unknown = obj[i];
          const red = this.valueFor(kind, item, depth + 1, ancestors);
          if (red !== item && !out) out = obj.slice(0, n);
          if (out) out[i] = red;
        }
        if (!out && obj.length > n) out = obj.slice(0, n);
        return out ?? obj;
      }
      if (obj instanceof Error) {
        return this.objectFor({ name: obj.name, message: obj.message, stack: obj.stack, ...(obj as unknown as Attrs) }, depth, ancestors);
      }
      if (obj instanceof Map) return this.objectFor(Object.fromEntries([...obj.entries()].slice(0, MAX_ENTRIES).map(([k, v]) => [String(k), v])), depth, ancestors);
      if (obj instanceof Set) return this.valueFor(kind, [...obj].slice(0, MAX_ENTRIES), depth, ancestors);
      return this.objectFor(obj as Attrs, depth, ancestors);
    } catch {
      return '[unreadable]';
    } finally {
      ancestors.pop();
    }
  }

  /** Always a new plain object: objects are rare on the hot path (span attributes are flat). */
  private objectFor(obj: Attrs, depth: number, ancestors: object[]): Attrs {
    const out: Attrs = {};
    let count = 0;
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      if (count++ >= MAX_ENTRIES) {
        out['[truncated]'] = 'more keys were dropped';
        break;
      }
      const item = obj[key];
      const kind = this.rules.keyKind(key);
      out[key] = kind === KeyKind.Sensitive
        ? (item === null || item === undefined ? item : this.rules.mask)
        : this.valueFor(kind, item, depth + 1, ancestors);
    }
    return out;
  }
}
