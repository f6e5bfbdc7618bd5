/**
 * One setting of the agent. Every concern declares its settings with these builders, so that
 * env variables, the config file and the README table all come from one place.
 *
 * `env` is read first, then the config file at `file` (a dotted path), then `default`.
 *
 * One parser per setting serves both sources: an env value is a string, a config-file value is
 * typed JSON/YAML (a number, a boolean, a list, a mapping, or a string), and both are validated and
 * normalised the same way (trimmed, lower-cased where the values are names, split where a list is
 * given as text). The parsers are small functions rather than a schema library: they run before the
 * app on every start, and their messages name what was wrong in the user's words.
 */
export interface Setting<T> {
  /** Environment variable, e.g. `OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS`. */
  readonly env?: string;
  /** Dotted path in the optional config file, e.g. `shutdown.timeoutMs`. */
  readonly file?: string;
  /** Parses a raw value from env (a string) or the config file (typed); throws SettingError. */
  readonly parse: (raw: unknown) => T;
  readonly default: T;
  /** What is accepted, in words, for error lines and the README table. */
  readonly accepts: string;
  readonly description: string;
}

export class SettingError extends Error {}

type Base = { env?: string; file?: string; description: string };

export function defineSetting<T>(base: Base & { accepts: string; default: T; parse: (raw: unknown) => T }): Setting<T> {
  return { env: base.env, file: base.file, description: base.description, accepts: base.accepts, default: base.default, parse: base.parse };
}

function describeType(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  return typeof raw === 'object' ? 'a mapping' : `a ${typeof raw}`;
}

/** A string value, trimmed; numbers and booleans from a config file are taken as their text. */
function textOf(raw: unknown): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new SettingError(`${describeType(raw)} is not text`);
}

export function int(base: Base & { default: number; min?: number; max?: number }): Setting<number> {
  const min = base.min ?? 0;
  const max = base.max ?? Number.MAX_SAFE_INTEGER;
  const accepts = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}..${max}`;
  return defineSetting({
    ...base, accepts,
    parse: (raw) => {
      let n: number;
      if (typeof raw === 'number') {
        if (!Number.isInteger(raw)) throw new SettingError('not an integer');
        n = raw;
      } else {
        const t = textOf(raw);
        if (!/^-?\d+$/.test(t)) throw new SettingError('not an integer');
        n = Number(t);
      }
      if (n < min) throw new SettingError(`below ${min}`);
      if (n > max) throw new SettingError(`above ${max}`);
      return n;
    },
  });
}

/** An integer that may be left unset (undefined): then another setting decides. */
export function optionalInt(base: Base & { min?: number; max?: number }): Setting<number | undefined> {
  const bounded = int({ ...base, default: 0 });
  return defineSetting<number | undefined>({
    ...base, default: undefined, accepts: bounded.accepts,
    parse: (raw) => (typeof raw === 'string' && raw.trim() === '' ? undefined : bounded.parse(raw)),
  });
}

export function ratio(base: Base & { default: number }): Setting<number> {
  return defineSetting({
    ...base, accepts: 'a number from 0 to 1',
    parse: (raw) => {
      const t = typeof raw === 'number' ? raw : textOf(raw);
      const n = typeof t === 'number' ? t : t === '' ? NaN : Number(t);
      if (!Number.isFinite(n)) throw new SettingError('not a number');
      if (n < 0 || n > 1) throw new SettingError('out of range');
      return n;
    },
  });
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function bool(base: Base & { default: boolean }): Setting<boolean> {
  return defineSetting({
    ...base, accepts: 'true or false (also 1/0, yes/no, on/off)',
    parse: (raw) => {
      if (typeof raw === 'boolean') return raw;
      const t = textOf(raw).toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw new SettingError('not a boolean');
    },
  });
}

export function oneOf<const V extends string>(base: Base & { values: readonly V[]; default: V }): Setting<V> {
  const allowed = new Set<string>(base.values);
  return defineSetting({
    ...base, accepts: `one of ${base.values.join(', ')}`,
    parse: (raw) => {
      const t = textOf(raw).toLowerCase();
      if (!allowed.has(t)) throw new SettingError('not a known value');
      return t as V;
    },
  });
}

export function text(base: Base & { default: string; pattern?: RegExp; patternText?: string }): Setting<string> {
  return defineSetting({
    ...base, accepts: base.patternText ?? 'a string',
    parse: (raw) => {
      const t = textOf(raw);
      if (base.pattern && !base.pattern.test(t)) throw new SettingError('does not match');
      return t;
    },
  });
}

export function optionalText(base: Base & { pattern?: RegExp; patternText?: string }): Setting<string | undefined> {
  return defineSetting<string | undefined>({
    ...base, default: undefined, accepts: base.patternText ?? 'a string',
    parse: (raw) => {
      const t = textOf(raw);
      if (t === '') return undefined;
      if (base.pattern && !base.pattern.test(t)) throw new SettingError('does not match');
      return t;
    },
  });
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export function url(base: Base & { default: string }): Setting<string> {
  return defineSetting({
    ...base, accepts: 'an http:// or https:// URL',
    parse: (raw) => {
      const t = textOf(raw);
      if (!isHttpUrl(t)) throw new SettingError('not an http(s) URL');
      return t;
    },
  });
}

/** The items of a list: comma-separated text (env), or a list (config file). Blank items are ignored. */
function itemsOf(raw: unknown): string[] {
  if (Array.isArray(raw)) {
    return raw.map((item, i) => {
      if (typeof item !== 'string') throw new SettingError(`item ${i + 1} is ${describeType(item)}, not text`);
      return item.trim();
    }).filter(Boolean);
  }
  return textOf(raw).split(',').map((s) => s.trim()).filter(Boolean);
}

/** Comma-separated in env, a list (or comma-separated text) in the config file. */
export function list(base: Base & { default: readonly string[]; item?: RegExp; itemText?: string }): Setting<string[]> {
  return defineSetting({
    ...base, default: [...base.default],
    accepts: base.itemText ? `a comma-separated list of ${base.itemText}` : 'a comma-separated list',
    parse: (raw) => {
      const items = itemsOf(raw);
      for (const item of items) if (base.item && !base.item.test(item)) throw new SettingError(`"${item}" is not ${base.itemText ?? 'a valid item'}`);
      return items;
    },
  });
}

/** Ascending, distinct, non-negative numbers (e.g. histogram boundaries): comma-separated in env, a list in the file. */
export function ascendingNumbers(base: Base & { default: readonly number[]; accepts: string; unit?: string }): Setting<number[]> {
  const notANumber = (t: string) => new SettingError(`"${t}" is not a number${base.unit ? ` of ${base.unit}` : ''}`);
  return defineSetting({
    ...base, default: [...base.default],
    parse: (raw) => {
      const given: unknown[] = Array.isArray(raw) ? raw : textOf(raw).split(',').map((t) => t.trim()).filter(Boolean);
      const values = given.map((v) => {
        if (typeof v === 'number') {
          if (!Number.isFinite(v) || v < 0) throw notANumber(String(v));
          return v;
        }
        const t = textOf(v);
        const n = Number(t);
        if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(t) || !Number.isFinite(n)) throw notANumber(t);
        return n;
      });
      if (values.length === 0) throw new SettingError('at least one value is needed');
      if (!values.every((v, i) => i === 0 || v > values[i - 1]!)) throw new SettingError('boundaries must be ascending without duplicates');
      return values;
    },
  });
}

/**
 * `key=value,key2=value2` in env (W3C baggage-like, values URL-decoded), a mapping (or the same
 * text) in the config file. Keys and values are trimmed either way.
 */
export function keyValues(base: Base & { default: Record<string, string> }): Setting<Record<string, string>> {
  return defineSetting({
    ...base, default: { ...base.default }, accepts: 'comma-separated key=value pairs',
    parse: (raw) => {
      const out: Record<string, string> = {};
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
        for (const [key, value] of Object.entries(raw)) {
          if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
            throw new SettingError(`the value of "${key}" is ${describeType(value)}, not text`);
          }
          if (key.trim() === '') throw new SettingError('a key is empty');
          out[key.trim()] = String(value).trim();
        }
        return out;
      }
      for (const part of textOf(raw).split(',')) {
        if (!part.trim()) continue;
        const eq = part.indexOf('=');
        if (eq <= 0) throw new SettingError(`"${part.trim()}" is not key=value`);
        let value = part.slice(eq + 1).trim();
        try {
          value = decodeURIComponent(value);
        } catch {
          throw new SettingError(`"${part.trim()}" has a malformed %-escape`);
        }
        out[part.slice(0, eq).trim()] = value;
      }
      return out;
    },
  });
}

export type SettingsOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };
