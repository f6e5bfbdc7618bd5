/**
 * Whether a value is a valid event node (`scheme.schema.json#/definitions/eventNode`, the event
 * without descending into `nested`): the answer the compiled ajv validator gives, at a fraction of
 * its cost on valid events. With `allErrors`, ajv evaluates the nine type-specific `if` branches
 * of every event and builds an error object for each of the eight a valid event does not take;
 * per-node validation was a quarter of scheme → OTLP. validate.ts asks this first and hands every
 * event it rejects to ajv, which then reports the errors. Kept to ajv's answer, edge cases
 * included (Infinity passes `integer`, for-in sees inherited keys), by test/converters/event-check.test.ts.
 */

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * JSON Schema `integer` as ajv checks it, `!(v % 1) && !isNaN(v)`: Infinity passes (it has no
 * fractional part). Math.floor gives the same answer without a floating-point remainder.
 */
function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Math.floor(v) === v;
}

function isNonNegativeInteger(v: unknown): boolean {
  return isInteger(v) && !(v < 0);
}

function isStringArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

function optionalString(v: unknown): boolean {
  return v === undefined || typeof v === 'string';
}

/** The event's own properties (`additionalProperties: false`); keys compare by pointer when interned. */
function isEventKey(key: string): boolean {
  switch (key) {
    case 'type': case 'payload': case 'tags': case 'importance': case 'time': case 'duration': case 'success':
    case 'calledFrom': case 'definedIn': case 'nested':
      return true;
    default: return false;
  }
}
const LOCATION_KEYS: Obj = { file: 1, line: 1, positionStart: 1, positionEnd: 1 };
const hasOwn = Object.prototype.hasOwnProperty;

function isLocation(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const key in v) if (!hasOwn.call(LOCATION_KEYS, key)) return false;
  return typeof v.file === 'string'
    && (v.line === undefined || isNonNegativeInteger(v.line))
    && (v.positionStart === undefined || isNonNegativeInteger(v.positionStart))
    && (v.positionEnd === undefined || isNonNegativeInteger(v.positionEnd));
}

/** `#/definitions/param`: {key: string, value: string | number | boolean | null}, other keys allowed. */
function isParamList(v: unknown): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const p = v[i] as unknown;
    if (!isObject(p) || typeof p.key !== 'string') return false;
    const value = p.value;
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  }
  return true;
}

/** The payload schema of the nine known types; any other type takes any object. */
function isPayloadOf(type: string, p: Obj): boolean {
  switch (type) {
    case 'log': return typeof p.message === 'string' && optionalString(p.context);
    case 'query': return typeof p.target === 'string' && typeof p.query === 'string' && optionalString(p.syntax);
    case 'request':
      return optionalString(p.method) && optionalString(p.uri) && isParamList(p.headers) && isParamList(p.query)
        && isParamList(p.body) && isParamList(p.cookies) && isParamList(p.session);
    case 'response': return p.memoryPeak === undefined || isNonNegativeInteger(p.memoryPeak);
    case 'middleware': case 'template': return typeof p.name === 'string';
    case 'email':
      return typeof p.subject === 'string' && typeof p.body === 'string' && typeof p.from === 'string'
        && (typeof p.to === 'string' || isStringArray(p.to))
        && (p.cc === undefined || isStringArray(p.cc)) && (p.bcc === undefined || isStringArray(p.bcc))
        && optionalString(p.replyTo) && (p.attachments === undefined || isStringArray(p.attachments));
    case 'event': return typeof p.name === 'string' && optionalString(p.group);
    case 'accessCheck':
      return (p.access === 'GRANT' || p.access === 'DENIED') && typeof p.control === 'string'
        && optionalString(p.object) && optionalString(p.action);
    default: return true;
  }
}

export function isValidEventNode(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const key in v) if (!isEventKey(key)) return false;
  const type = v.type, payload = v.payload;
  if (typeof type !== 'string' || type.length === 0 || !isObject(payload)) return false;
  if (v.tags !== undefined && !isStringArray(v.tags)) return false;
  const importance = v.importance;
  if (importance !== undefined && !(isInteger(importance) && importance >= 1 && importance <= 8)) return false;
  if (v.time !== undefined && !isNonNegativeInteger(v.time)) return false;
  if (v.duration !== undefined && !isNonNegativeInteger(v.duration)) return false;
  if (v.success !== undefined && typeof v.success !== 'boolean') return false;
  if (v.calledFrom !== undefined && !isLocation(v.calledFrom)) return false;
  if (v.definedIn !== undefined && !isLocation(v.definedIn)) return false;
  if (v.nested !== undefined && !Array.isArray(v.nested)) return false;
  return isPayloadOf(type, payload);
}
