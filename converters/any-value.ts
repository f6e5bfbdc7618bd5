import type { AnyValue, KeyValue } from './otlp-types';
import type { JsonValue } from './model';

/**
 * JSON values ⇄ OTLP AnyValue, losslessly for everything JSON can hold: integers that are safe
 * become intValue, other numbers doubleValue, objects kvlistValue (key order kept), null the
 * empty AnyValue. Payload values nested deeper than MAX_VALUE_DEPTH are refused rather than
 * risking the stack.
 */
export const MAX_VALUE_DEPTH = 1000;

export class ValueTooDeepError extends Error {}

export function jsonToAny(value: JsonValue | undefined, depth = 0): AnyValue {
  switch (typeof value) {
    case 'string': return { stringValue: value };
    case 'boolean': return { boolValue: value };
    case 'number': return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    default: break;
  }
  if (value === null || value === undefined) return {};
  if (depth >= MAX_VALUE_DEPTH) throw new ValueTooDeepError(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (Array.isArray(value)) {
    const values = new Array<AnyValue>(value.length);
    for (let i = 0; i < value.length; i++) values[i] = jsonToAny(value[i], depth + 1);
    return { arrayValue: { values } };
  }
  const values: KeyValue[] = [];
  for (const key of Object.keys(value)) values.push({ key, value: jsonToAny(value[key], depth + 1) });
  return { kvlistValue: { values } };
}

/** AnyValue → JSON. Malformed parts (wrong member types, from untrusted input) become null, never a throw. */
export function anyToJson(value: AnyValue | undefined, depth = 0): JsonValue {
  if (value === undefined || value === null || typeof value !== 'object') return null;
  if (value.stringValue !== undefined) return typeof value.stringValue === 'string' ? value.stringValue : null;
  if (value.boolValue !== undefined) return typeof value.boolValue === 'boolean' ? value.boolValue : null;
  if (value.intValue !== undefined) return numberOf(value.intValue);
  if (value.doubleValue !== undefined) return numberOf(value.doubleValue);
  if (depth >= MAX_VALUE_DEPTH) throw new ValueTooDeepError(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (value.arrayValue !== undefined) {
    const src = value.arrayValue?.values;
    if (!Array.isArray(src)) return [];
    const out = new Array<JsonValue>(src.length);
    for (let i = 0; i < src.length; i++) out[i] = anyToJson(src[i], depth + 1);
    return out;
  }
  if (value.kvlistValue !== undefined) {
    const out: Record<string, JsonValue> = {};
    const src = value.kvlistValue?.values;
    if (!Array.isArray(src)) return out;
    for (const kv of src) if (kv && typeof kv.key === 'string') setOwn(out, kv.key, anyToJson(kv.value, depth + 1));
    return out;
  }
  if (value.bytesValue !== undefined) return typeof value.bytesValue === 'string' ? value.bytesValue : null;
  return null;
}

function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Assigns without triggering the __proto__ setter, so any JSON key round-trips. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function anyString(v: AnyValue | undefined): string | undefined {
  const s = v?.stringValue;
  return typeof s === 'string' ? s : undefined;
}

export function anyInt(v: AnyValue | undefined): number | undefined {
  const raw = v?.intValue;
  if (typeof raw !== 'number' && typeof raw !== 'string') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function anyBool(v: AnyValue | undefined): boolean | undefined {
  const b = v?.boolValue;
  return typeof b === 'boolean' ? b : undefined;
}

/** Primitive attribute values (SDK form) to AnyValue. */
export function attributeToAny(value: unknown): AnyValue {
  switch (typeof value) {
    case 'string': return { stringValue: value };
    case 'boolean': return { boolValue: value };
    case 'number': return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    case 'bigint': return { intValue: value.toString() };
    default: break;
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(attributeToAny) } };
  if (value instanceof Uint8Array) return { bytesValue: Buffer.from(value).toString('base64') };
  return {};
}
