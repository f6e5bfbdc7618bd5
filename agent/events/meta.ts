/** What a business event may carry: one object, or several merged left to right. */
export type EventMeta = Record<string, unknown> | ReadonlyArray<Record<string, unknown> | null | undefined> | null | undefined;

/** Merged as `meta.reduce((agg, m) => ({...agg, ...m}), {})`: the last key wins. */
export function mergeMeta(meta: EventMeta): Record<string, unknown> {
  if (meta === null || meta === undefined) return {};
  if (Array.isArray(meta)) {
    const out: Record<string, unknown> = {};
    for (const part of meta) if (part && typeof part === 'object' && !Array.isArray(part)) Object.assign(out, part);
    return out;
  }
  if (typeof meta === 'object') return { ...(meta as Record<string, unknown>) };
  return { value: meta };
}

/** The same mask as the processors' default rules, so events look alike with or without the agent. */
export const MASK = '[REDACTED]';

/**
 * Keys masked in event meta at any depth when the agent (and so its redaction rules) is not
 * running; `password` is always masked. Compared lower-cased with `-` read as `_`.
 */
export const ALWAYS_MASKED_KEYS: ReadonlySet<string> = new Set([
  'password', 'passwd', 'pwd', 'secret', 'client_secret', 'token', 'access_token', 'refresh_token', 'id_token',
  'api_key', 'apikey', 'authorization', 'cookie', 'set_cookie', 'private_key', 'credit_card', 'card_number', 'cvv',
]);

/** For a plain deep copy (cycles cut, dates and errors made plain) with no key masked. */
export const ALWAYS_MASKED_KEYS_OFF: ReadonlySet<string> = new Set();

/** A deep copy with the keys in `masked` replaced, cycles cut; the caller's objects are never changed. */
export function maskMeta(value: unknown, masked: ReadonlySet<string> = ALWAYS_MASKED_KEYS, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth > 16) return '[Truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => maskMeta(v, masked, seen, depth + 1));
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) return { name: value.name, message: value.message };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = masked.size > 0 && masked.has(k.toLowerCase().replace(/-/g, '_')) ? MASK : maskMeta(v, masked, seen, depth + 1);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Span-event attributes are flat primitives: nested meta becomes dotted keys, mixed arrays JSON. */
export function flattenForAttributes(
  value: Record<string, unknown>, prefix: string, out: Record<string, string | number | boolean | string[] | number[] | boolean[]> = {},
): Record<string, string | number | boolean | string[] | number[] | boolean[]> {
  for (const [k, v] of Object.entries(value)) {
    const key = `${prefix}${k}`;
    if (v === null || v === undefined) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (typeof v === 'bigint') out[key] = v.toString();
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) out[key] = v as string[];
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) out[key] = v as number[];
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'boolean')) out[key] = v as boolean[];
    else if (typeof v === 'object' && !Array.isArray(v)) flattenForAttributes(v as Record<string, unknown>, `${key}.`, out);
    // A function or symbol has no value to record (JSON.stringify would give undefined).
    else if (typeof v === 'function' || typeof v === 'symbol') continue;
    else {
      // Empty and mixed arrays: as JSON, or joined when JSON cannot hold them (a bigint inside, a cycle).
      try {
        out[key] = JSON.stringify(v);
      } catch {
        out[key] = String(v as unknown[]);
      }
    }
  }
  return out;
}
