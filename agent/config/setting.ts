import { z } from 'zod';

/**
 * One setting of the agent. Every concern declares its settings with these builders, so that
 * env variables, the config file and the README table all come from one place.
 *
 * `env` is read first, then the config file at `file` (a dotted path), then `default`.
 */
export interface Setting<T> {
  /** Environment variable, e.g. `OTEL_COMPANION_SHUTDOWN_TIMEOUT_MS`. */
  readonly env?: string;
  /** Dotted path in the optional config file, e.g. `shutdown.timeoutMs`. */
  readonly file?: string;
  /** Validates a value that came from the config file (already typed JSON/YAML). */
  readonly schema: z.ZodType<T>;
  /** Parses the raw string of an env variable. */
  readonly fromEnv: (raw: string) => T;
  readonly default: T;
  /** What is accepted, in words, for error lines and the README table. */
  readonly accepts: string;
  readonly description: string;
}

export class SettingError extends Error {}

type Base = { env?: string; file?: string; description: string };

function make<T>(base: Base, schema: z.ZodType<T>, fromEnv: (raw: string) => T, def: T, accepts: string): Setting<T> {
  return { ...base, schema, fromEnv, default: def, accepts };
}

function check<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new SettingError(r.error.issues[0]?.message ?? 'invalid');
  return r.data;
}

export function int(base: Base & { default: number; min?: number; max?: number }): Setting<number> {
  const min = base.min ?? 0;
  const max = base.max ?? Number.MAX_SAFE_INTEGER;
  const schema = z.number().int().min(min).max(max);
  const accepts = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}..${max}`;
  return make(base, schema, (raw) => {
    const t = raw.trim();
    if (!/^-?\d+$/.test(t)) throw new SettingError('not an integer');
    return check(schema, Number(t));
  }, base.default, accepts);
}

export function ratio(base: Base & { default: number }): Setting<number> {
  const schema = z.number().min(0).max(1);
  return make(base, schema, (raw) => {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n)) throw new SettingError('not a number');
    return check(schema, n);
  }, base.default, 'a number from 0 to 1');
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function bool(base: Base & { default: boolean }): Setting<boolean> {
  return make(base, z.boolean(), (raw) => {
    const t = raw.trim().toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
    throw new SettingError('not a boolean');
  }, base.default, 'true or false (also 1/0, yes/no, on/off)');
}

export function oneOf<const V extends string>(base: Base & { values: readonly V[]; default: V }): Setting<V> {
  const schema = z.enum(base.values as unknown as [V, ...V[]]);
  return make(base, schema, (raw) => check(schema, raw.trim().toLowerCase()), base.default, `one of ${base.values.join(', ')}`);
}

export function text(base: Base & { default: string; pattern?: RegExp; patternText?: string }): Setting<string> {
  let schema = z.string();
  if (base.pattern) schema = schema.regex(base.pattern);
  return make(base, schema, (raw) => check(schema, raw.trim()), base.default, base.patternText ?? 'a string');
}

export function optionalText(base: Base & { pattern?: RegExp; patternText?: string }): Setting<string | undefined> {
  let inner = z.string();
  if (base.pattern) inner = inner.regex(base.pattern);
  const schema = inner.optional();
  return make(base, schema, (raw) => (raw.trim() === '' ? undefined : check(inner, raw.trim())), undefined, base.patternText ?? 'a string');
}

export function url(base: Base & { default: string }): Setting<string> {
  const schema = z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'not an http(s) URL');
  return make(base, schema, (raw) => check(schema, raw.trim()), base.default, 'an http:// or https:// URL');
}

/** Comma-separated in env, an array in the config file. Empty items are ignored. */
export function list(base: Base & { default: readonly string[]; item?: RegExp; itemText?: string }): Setting<string[]> {
  const item = base.item ? z.string().regex(base.item, base.itemText ?? 'invalid item') : z.string();
  const schema = z.array(item);
  return make(base, schema, (raw) => check(schema, raw.split(',').map((s) => s.trim()).filter(Boolean)),
    [...base.default], base.itemText ? `a comma-separated list of ${base.itemText}` : 'a comma-separated list');
}

/** `key=value,key2=value2` in env (W3C baggage-like, values URL-decoded), an object in the config file. */
export function keyValues(base: Base & { default: Record<string, string> }): Setting<Record<string, string>> {
  const schema = z.record(z.string(), z.string());
  return make(base, schema, (raw) => {
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
  }, { ...base.default }, 'comma-separated key=value pairs');
}

export type SettingsOf<S> = { -readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };
