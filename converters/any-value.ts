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

export function anyToJson(value: AnyValue | undefined, depth = 0): JsonValue {
  if (value === undefined || value === null) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return typeof value.intValue === 'number' ? value.intValue : Number(value.intValue);
  if (value.doubleValue !== undefined) return typeof value.doubleValue === 'number' ? value.doubleValue : Number(value.doubleValue);
  if (depth >= MAX_VALUE_DEPTH) throw new ValueTooDeepError(`value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (value.arrayValue !== undefined) {
    const src = value.arrayValue.values ?? [];
    const out = new Array<JsonValue>(src.length);
    for (let i = 0; i < src.length; i++) out[i] = anyToJson(src[i], depth + 1);
    return out;
  }
  if (value.kvlistValue !== undefined) {
    const out: Record<string, JsonValue> = {};
    for (const kv of value.kvlistValue.values ?? []) setOwn(out, kv.key, anyToJson(kv.value, depth + 1));
    return out;
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

/** Assigns without triggering the __proto__ setter, so any JSON key round-trips. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function anyString(v: AnyValue | undefined): string | undefined {
  return v?.stringValue;
}

export function anyInt(v: AnyValue | undefined): number | undefined {
  if (v?.intValue === undefined) return undefined;
  const n = typeof v.intValue === 'number' ? v.intValue : Number(v.intValue);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function anyBool(v: AnyValue | undefined): boolean | undefined {
  return v?.boolValue;
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
