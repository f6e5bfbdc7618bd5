import type { ZodType } from 'zod';

/**
 * One setting of the agent. Every concern declares its settings with these builders, so that
 * env variables, the config file and the README table all come from one place.
 *
 * `env` is read first, then the config file at `file` (a dotted path), then `default`.
 *
 * Start-up cost matters (the agent runs before the app): env values are checked by the small
 * validators below, and the zod schema used for config-file values is built on first use, so
 * zod is only loaded when a config file is given.
 */
export interface Setting<T> {
  /** Environment variable, e.g. `OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS`. */
  readonly env?: string;
  /** Dotted path in the optional config file, e.g. `shutdown.timeoutMs`. */
  readonly file?: string;
  /** Validates a value that came from the config file (already typed JSON/YAML). Built lazily. */
  readonly schema: ZodType<T>;
  /** Parses the raw string of an env variable; throws SettingError. */
  readonly fromEnv: (raw: string) => T;
  readonly default: T;
  /** What is accepted, in words, for error lines and the README table. */
  readonly accepts: string;
  readonly description: string;
}

export class SettingError extends Error {}

/** zod, loaded on first use. */
export function zod(): typeof import('zod') {
  return require('zod') as typeof import('zod');
}

type Base = { env?: string; file?: string; description: string };

/** Builds a Setting whose `schema` is created by `makeSchema` the first time it is read. */
export function defineSetting<T>(
  base: Base & { accepts: string; default: T; fromEnv: (raw: string) => T },
  makeSchema: (z: typeof import('zod')) => ZodType<T>,
): Setting<T> {
  let schema: ZodType<T> | undefined;
  return {
    env: base.env,
    file: base.file,
    description: base.description,
    accepts: base.accepts,
    default: base.default,
    fromEnv: base.fromEnv,
    get schema() {
      return (schema ??= makeSchema(zod()));
    },
  };
}

export function int(base: Base & { default: number; min?: number; max?: number }): Setting<number> {
  const min = base.min ?? 0;
  const max = base.max ?? Number.MAX_SAFE_INTEGER;
  const accepts = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}..${max}`;
  return defineSetting({
    ...base, accepts,
    fromEnv: (raw) => {
      const t = raw.trim();
      if (!/^-?\d+$/.test(t)) throw new SettingError('not an integer');
      const n = Number(t);
      if (n < min) throw new SettingError(`below ${min}`);
      if (n > max) throw new SettingError(`above ${max}`);
      return n;
    },
  }, (z) => z.number().int().min(min).max(max));
}

export function ratio(base: Base & { default: number }): Setting<number> {
  return defineSetting({
    ...base, accepts: 'a number from 0 to 1',
    fromEnv: (raw) => {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) throw new SettingError('not a number');
      if (n < 0 || n > 1) throw new SettingError('out of range');
      return n;
    },
  }, (z) => z.number().min(0).max(1));
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function bool(base: Base & { default: boolean }): Setting<boolean> {
  return defineSetting({
    ...base, accepts: 'true or false (also 1/0, yes/no, on/off)',
    fromEnv: (raw) => {
      const t = raw.trim().toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw new SettingError('not a boolean');
    },
  }, (z) => z.boolean());
}

export function oneOf<const V extends string>(base: Base & { values: readonly V[]; default: V }): Setting<V> {
  const allowed = new Set<string>(base.values);
  return defineSetting({
    ...base, accepts: `one of ${base.values.join(', ')}`,
    fromEnv: (raw) => {
      const t = raw.trim().toLowerCase();
      if (!allowed.has(t)) throw new SettingError('not a known value');
      return t as V;
    },
  }, (z) => z.enum(base.values as unknown as [V, ...V[]]));
}

export function text(base: Base & { default: string; pattern?: RegExp; patternText?: string }): Setting<string> {
  return defineSetting({
    ...base, accepts: base.patternText ?? 'a string',
    fromEnv: (raw) => {
      const t = raw.trim();
      if (base.pattern && !base.pattern.test(t)) throw new SettingError('does not match');
      return t;
    },
  }, (z) => (base.pattern ? z.string().regex(base.pattern) : z.string()));
}

export function optionalText(base: Base & { pattern?: RegExp; patternText?: string }): Setting<string | undefined> {
  return defineSetting<string | undefined>({
    ...base, default: undefined, accepts: base.patternText ?? 'a string',
    fromEnv: (raw) => {
      const t = raw.trim();
      if (t === '') return undefined;
      if (base.pattern && !base.pattern.test(t)) throw new SettingError('does not match');
      return t;
    },
  }, (z) => (base.pattern ? z.string().regex(base.pattern) : z.string()).optional());
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
    fromEnv: (raw) => {
      if (!isHttpUrl(raw.trim())) throw new SettingError('not an http(s) URL');
      return raw.trim();
    },
  }, (z) => z.string().refine(isHttpUrl, 'not an http(s) URL'));
}

/** Comma-separated in env, an array in the config file. Empty items are ignored. */
export function list(base: Base & { default: readonly string[]; item?: RegExp; itemText?: string }): Setting<string[]> {
  return defineSetting({
    ...base, default: [...base.default],
    accepts: base.itemText ? `a comma-separated list of ${base.itemText}` : 'a comma-separated list',
    fromEnv: (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      for (const item of items) if (base.item && !base.item.test(item)) throw new SettingError(`"${item}" is not ${base.itemText ?? 'a valid item'}`);
      return items;
    },
  }, (z) => z.array(base.item ? z.string().regex(base.item, base.itemText ?? 'invalid item') : z.string()));
}

/** Ascending, distinct, non-negative numbers (e.g. histogram boundaries): comma-separated in env, an array in the file. */
export function ascendingNumbers(base: Base & { default: readonly number[]; accepts: string; unit?: string }): Setting<number[]> {
  const ascending = (a: readonly number[]) => a.every((v, i) => i === 0 || v > a[i - 1]!);
  return defineSetting({
    ...base, default: [...base.default],
    fromEnv: (raw) => {
      const values = raw.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
        const n = Number(t);
        if (!/^\d+(\.\d+)?(e-?\d+)?$/i.test(t) || !Number.isFinite(n)) throw new SettingError(`"${t}" is not a number${base.unit ? ` of ${base.unit}` : ''}`);
        return n;
      });
      if (values.length === 0) throw new SettingError('at least one value is needed');
      if (!ascending(values)) throw new SettingError('boundaries must be ascending without duplicates');
      return values;
    },
  }, (z) => z.array(z.number().nonnegative().finite()).min(1).refine(ascending, 'boundaries must be ascending without duplicates'));
}

/** `key=value,key2=value2` in env (W3C baggage-like, values URL-decoded), an object in the config file. */
export function keyValues(base: Base & { default: Record<string, string> }): Setting<Record<string, string>> {
  return defineSetting({
    ...base, default: { ...base.default }, accepts: 'comma-separated key=value pairs',
    fromEnv: (raw) => {
      const out: Record<string, string> = {};
      for (const part of raw.split(',')) {
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
  }, (z) => z.record(z.string(), z.string()));
}

export type SettingsOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };
