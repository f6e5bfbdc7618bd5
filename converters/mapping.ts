import {
  ATTR_CODE_COLUMN_NUMBER, ATTR_CODE_FILE_PATH, ATTR_CODE_LINE_NUMBER, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_OTEL_STATUS_DESCRIPTION, ATTR_URL_FULL,
  ATTR_URL_PATH, ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { anyBool, anyInt, anyString, anyToJson, jsonToAny, setOwn } from './any-value';
import type { JsonValue, Location, Param, Payload, SchemeEvent } from './model';
import { OtlpSpanKind, OtlpStatusCode, type AnyValue, type KeyValue } from './otlp-types';

/**
 * The mapping of ONE event ⇄ ONE span or span event. The tree (nesting, ordering, the derived
 * `response` event, the document span) is handled by scheme-to-otlp.ts and otlp-to-scheme.ts.
 * docs/scheme-mapping.md is the prose version of this file; keep them in step.
 *
 * Design rule: `decodeNode` is the reference. `encodeNode` writes the smallest set of attributes
 * from which `decodeNode` gives the event back, then checks that it does; when it does not (key
 * collisions and other corner cases), it falls back to a verbatim copy of the event in `wdp.event`.
 * That makes scheme → OTLP → scheme the identity by construction, not by luck.
 */

// Incubating semconv names, copied as the semantic-conventions package advises for unstable
// names (its incubating entry point is not meant to be imported at run time).
const ATTR_DB_SYSTEM = 'db.system';
const ATTR_DB_STATEMENT = 'db.statement';
const ATTR_HTTP_METHOD = 'http.method';
const ATTR_CODE_FILEPATH = 'code.filepath';
const ATTR_CODE_LINENO = 'code.lineno';
const ATTR_EVENT_NAME = 'event.name';
/** Business events of the agent (agent/events) carry these on their span events. */
const ATTR_EVENT_CONTEXT = 'event.context';
const ATTR_EXECUTION_ID = 'execution_id';
const HTTP_REQUEST_HEADER_PREFIX = 'http.request.header.';
/** Set by @opentelemetry/instrumentation-express on layer spans (middleware, router, request_handler). */
const ATTR_EXPRESS_TYPE = 'express.type';

/** The documented namespace of everything the scheme has and OpenTelemetry does not. */
export const WDP = {
  type: 'wdp.type',
  tags: 'wdp.tags',
  severityNumber: 'wdp.severity_number',
  success: 'wdp.success',
  /** Verbatim JSON of an event (without nested) that the attribute mapping could not carry exactly. */
  event: 'wdp.event',
  document: 'wdp.document',
  version: 'wdp.version',
  id: 'wdp.id',
  order: 'wdp.order',
  nestedEmpty: 'wdp.nested_empty',
  payloadPrefix: 'wdp.payload.',
  /** Payload keys holding an attribute whose own name is taken or undotted (see decodeNode). */
  attrPrefix: 'wdp.attr.',
  absentPrefix: 'wdp.absent.',
  calledFromPositionEnd: 'wdp.called_from.position_end',
  definedInFile: 'wdp.defined_in.file',
  definedInLine: 'wdp.defined_in.line',
  definedInPositionStart: 'wdp.defined_in.position_start',
  definedInPositionEnd: 'wdp.defined_in.position_end',
} as const;

/** Payload keys that carry span fields which have no attribute. */
export const PAYLOAD_SPAN_NAME = 'span.name';
export const PAYLOAD_SPAN_KIND = 'span.kind';
export const PAYLOAD_STATUS_MESSAGE = ATTR_OTEL_STATUS_DESCRIPTION;
/** Payload keys that carry span fields (decodeNode writes them after the attributes). */
function isSpanFieldKey(key: string): boolean {
  return key === PAYLOAD_SPAN_NAME || key === PAYLOAD_SPAN_KIND || key === PAYLOAD_STATUS_MESSAGE;
}
/** Payload key of the derived response event that holds the server span's status code. */
export const PAYLOAD_RESPONSE_STATUS = ATTR_HTTP_RESPONSE_STATUS_CODE;
/** Tag put on an event whose span's parent is not in the trace. */
export const ORPHAN_TAG_PREFIX = 'orphan:';

const ABSENT = {
  time: WDP.absentPrefix + 'time',
  duration: WDP.absentPrefix + 'duration',
  success: WDP.absentPrefix + 'success',
  tags: WDP.absentPrefix + 'tags',
  syntax: WDP.absentPrefix + 'syntax',
  response: WDP.absentPrefix + 'response',
} as const;

/** importance (1..8, syslog ladder) → OTel log severity number, per the OTel logs data model. */
export const IMPORTANCE_TO_SEVERITY = [0, 5, 9, 10, 13, 17, 18, 19, 21] as const;

/** Severity number → importance, by range (TRACE/DEBUG → 1 … FATAL → 8). */
export function severityToImportance(severity: number): number | undefined {
  if (!Number.isInteger(severity) || severity < 1 || severity > 24) return undefined;
  if (severity <= 8) return 1;
  if (severity === 9) return 2;
  if (severity <= 12) return 3;
  if (severity <= 16) return 4;
  if (severity === 17) return 5;
  if (severity === 18) return 6;
  if (severity <= 20) return 7;
  return 8;
}

export const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

export function defaultKind(type: string): number {
  if (type === 'request') return OtlpSpanKind.SERVER;
  if (type === 'query') return OtlpSpanKind.CLIENT;
  return OtlpSpanKind.INTERNAL;
}

/** db.system.name values whose queries are SQL (query events get `syntax: "sql"`). */
const SQL_SYSTEMS = new Set([
  'postgresql', 'mysql', 'mariadb', 'sqlite', 'mssql', 'microsoft.sql_server', 'oracle', 'oracle.db', 'db2', 'ibm.db2',
  'cockroachdb', 'h2', 'hsqldb', 'derby', 'firebird', 'sap.hana', 'hanadb', 'other_sql', 'trino', 'clickhouse', 'spanner',
  'gcp.spanner', 'redshift', 'aws.redshift', 'snowflake', 'teradata', 'vertica', 'sybase', 'informix', 'ingres', 'pointbase',
  'netezza', 'edb', 'cache', 'intersystems.cache', 'adabas', 'instantdb', 'interbase', 'maxdb', 'progress', 'filemaker',
]);

/** The last name looked up in SQL_SYSTEMS: a batch names the same system over and over. */
let lastSystem = '', lastSystemIsSql = false;

function isSqlSystem(name: string): boolean {
  // A Set lookup hashes the string, and strings from JSON.parse are new each time: comparing
  // with the last one is cheaper.
  if (name !== lastSystem) {
    lastSystem = name;
    lastSystemIsSql = SQL_SYSTEMS.has(name);
  }
  return lastSystemIsSql;
}

/**
 * Attribute names, two kept per set (chosen by the length and five characters): the copies that
 * have already served as property keys. Keys from JSON.parse are new strings each time, and making
 * one a property key costs a lookup in V8's string table (hashing the whole name); a name equal to
 * a kept one is replaced by it, which is interned already. A miss only costs the comparisons.
 */
const KEY_CACHE_SIZE = 1024;
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('');

function propertyKey(key: string): string {
  const n = key.length;
  if (n === 0) return key;
  let h = Math.imul(n, 0x9e3779b1) ^ key.charCodeAt(0);
  h = Math.imul(h, 31) ^ key.charCodeAt(n >> 2);
  h = Math.imul(h, 31) ^ key.charCodeAt(n >> 1);
  h = Math.imul(h, 31) ^ key.charCodeAt((n * 3) >> 2);
  h = Math.imul(h, 31) ^ key.charCodeAt(n - 1);
  const set = (h ^ (h >>> 15)) & (KEY_CACHE_SIZE - 2);
  const first = keyCache[set];
  if (first === key) return first;
  const second = keyCache[set + 1];
  if (second === key) return second;
  keyCache[set + 1] = first;
  keyCache[set] = key;
  return key;
}

/** What a span (or span event) brings to the mapping, independent of its source format. */
export interface NodeRecord {
  name: string;
  isSpan: boolean;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: readonly KeyValue[];
  statusCode: number;
  statusMessage: string;
  /** Resource attributes as `key:value` tags. */
  resourceTags: readonly string[];
  /** Precomputed by readers that already walked the attributes (see AttributeLookup). */
  attributeFilter?: number;
  attributeHasWdp?: boolean;
  /** True when no two attributes have the same key (proven by the reader's filters; undefined = unknown). */
  attributesDistinct?: boolean;
}

export interface DecodedNode {
  event: SchemeEvent;
  /** Tree facts carried by the span. */
  order?: number;
  nestedEmpty: boolean;
  isDocument: boolean;
  version?: number;
  docId?: string;
  /** For request spans: whether a response event is derived, and its status code. */
  derivesResponse: boolean;
  responseStatus?: AnyValue;
  /** The event's tags came from the resource (no wdp.tags on the span). */
  tagsFromResource: boolean;
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function deriveSpanName(type: string, payload: Payload): string {
  switch (type) {
    case 'log': return str(payload.message) ?? 'log';
    case 'event': case 'middleware': case 'template': return str(payload.name) ?? type;
    case 'request': {
      const method = str(payload.method) ?? 'HTTP';
      const route = str(payload[ATTR_HTTP_ROUTE]);
      return route ? `${method} ${route}` : method;
    }
    case 'query': return str(payload.target) ?? 'query';
    case 'email': return str(payload.subject) ?? 'email';
    case 'accessCheck': {
      const access = str(payload.access), control = str(payload.control);
      return access !== undefined && control !== undefined ? `${access} ${control}` : type;
    }
    default: return type;
  }
}

/** The uri a request event gets from url.path / url.query when the span has no url.full. */
function derivedUri(path: JsonValue | undefined, query: JsonValue | undefined): string | undefined {
  if (typeof path !== 'string') return undefined;
  return typeof query === 'string' && query !== '' ? `${path}?${query}` : path;
}

/** uri === derivedUri(path, query), without building the derived text. */
function isDerivedUri(uri: string, path: JsonValue | undefined, query: JsonValue | undefined): boolean {
  if (typeof path !== 'string') return false;
  if (typeof query !== 'string' || query === '') return uri === path;
  return uri.length === path.length + 1 + query.length && uri.charCodeAt(path.length) === 63 /* ? */
    && uri.startsWith(path) && uri.endsWith(query);
}

/**
 * Attribute lookup by key without building a Map per span (spans carry ~10 attributes; a linear
 * scan allocates nothing). Last occurrence wins, like a Map built in order. Lookups of wdp.* keys
 * are skipped outright on spans that have none (every span not made by these converters).
 */
class AttributeLookup {
  private list: readonly KeyValue[] = [];
  /** A 32-bit filter over (first char + length) of the keys: most absent keys skip the scan. */
  private filter = 0;
  /** Whether any key is in wdp.* (spans not made by these converters have none). */
  hasWdp = false;
  /** Points the lookup at a node's attributes (one instance serves every node: decodeNode never runs inside itself). */
  reset(list: readonly KeyValue[], rec: NodeRecord): this {
    this.list = list;
    if (rec.attributeFilter !== undefined) {
      this.filter = rec.attributeFilter;
      this.hasWdp = rec.attributeHasWdp === true;
      return this;
    }
    let filter = 0;
    let wdp = false;
    for (let i = 0; i < list.length; i++) {
      const key = list[i].key;
      filter |= 1 << filterBit(key);
      if (!wdp && key.charCodeAt(0) === 119 /* w */ && key.startsWith('wdp.')) wdp = true;
    }
    this.filter = filter;
    this.hasWdp = wdp;
    return this;
  }
  /** A wdp.* attribute: nothing to look for on spans without any. */
  wdp(key: string): AnyValue | undefined {
    return this.hasWdp ? this.get(key) : undefined;
  }
  get(key: string): AnyValue | undefined {
    if ((this.filter & (1 << filterBit(key))) === 0) return undefined;
    const list = this.list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i].key === key) return list[i].value;
    return undefined;
  }
  has(key: string): boolean {
    if ((this.filter & (1 << filterBit(key))) === 0) return false;
    const list = this.list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i].key === key) return true;
    return false;
  }
}

const attributeLookup = new AttributeLookup();

export function filterBit(key: string): number {
  return (key.charCodeAt(0) + key.length * 7) & 31;
}

/** A second filter bit, from other characters: a key whose bit is new in either filter is a new key. */
export function filterBit2(key: string): number {
  const n = key.length;
  return (key.charCodeAt(n - 1) * 5 + key.charCodeAt(n - 2) * 3 + n) & 31; // NaN & 31 is 0 for one character
}

/** The few attribute names decodeNode consumed (a Set costs more than a scan of ≤ 10). */
class KeyList {
  private readonly keys: string[] = [];
  private count = 0;
  /** Empties the list for the next node, keeping its storage (one list per use, reused). */
  reset(): this { this.count = 0; return this; }
  add(key: string): void { this.keys[this.count++] = key; }
  has(key: string): boolean {
    for (let i = 0; i < this.count; i++) if (this.keys[i] === key) return true;
    return false;
  }
}
/** decodeNode's and encodeSmart's lists: neither function runs inside itself or the other. */
const consumedKeys = new KeyList();
const handledKeys = new KeyList();

function isAbsent(attrs: AttributeLookup, field: keyof typeof ABSENT): boolean {
  return anyBool(attrs.wdp(ABSENT[field])) === true;
}

function inferType(rec: NodeRecord, attrs: AttributeLookup): string {
  if (!rec.isSpan) {
    if (rec.name === 'exception') return 'log';
    return attrs.has(ATTR_EVENT_NAME) || attrs.has(ATTR_EVENT_CONTEXT) || attrs.has(ATTR_EXECUTION_ID) ? 'event' : 'log';
  }
  if (attrs.has(ATTR_DB_SYSTEM_NAME) || attrs.has(ATTR_DB_SYSTEM)) return 'query';
  if (rec.kind === OtlpSpanKind.SERVER && (attrs.has(ATTR_HTTP_REQUEST_METHOD) || attrs.has(ATTR_HTTP_METHOD))) return 'request';
  if (attrs.has(ATTR_EXPRESS_TYPE)) return 'middleware';
  return 'event';
}

function stringArray(v: AnyValue | undefined): string[] | undefined {
  const values = v?.arrayValue?.values;
  if (!Array.isArray(values)) return undefined;
  const out: string[] = [];
  for (const x of values) {
    const str = x?.stringValue;
    if (typeof str !== 'string') return undefined;
    out.push(str);
  }
  return out;
}

/**
 * A new payload object. `{}` keeps four properties in the object itself and a span's payload
 * gets eight to twelve: every growth past four copies a property backing store. Objects made by
 * a constructor are sized by V8 from the first ones made (slack tracking), so the properties of
 * a payload stay in the object. The prototype is Object.prototype: a payload is a plain object,
 * as one made by `{}`.
 */
function PayloadObject(): void { /* properties are added by decodeNode */ }
PayloadObject.prototype = Object.prototype;
const newPayload = (): Payload => new (PayloadObject as unknown as new () => Payload)();

/** Span/span event → event (without nested). The reference direction of the mapping. */
export function decodeNode(rec: NodeRecord): DecodedNode {
  const attrs = attributeLookup.reset(rec.attributes, rec);
  const isDocument = anyBool(attrs.wdp(WDP.document)) === true;
  const version = anyInt(attrs.wdp(WDP.version));
  const out: DecodedNode = {
    // All fields declared in the spec's order (undefined ones are left out of JSON): one shape
    // per event instead of a hidden-class transition per optional field.
    event: {
      type: 'event', payload: newPayload(), tags: undefined, importance: undefined, time: undefined, duration: undefined,
      success: undefined, calledFrom: undefined, definedIn: undefined, nested: undefined,
    },
    order: anyInt(attrs.wdp(WDP.order)),
    nestedEmpty: anyBool(attrs.wdp(WDP.nestedEmpty)) === true,
    isDocument,
    version,
    docId: anyString(attrs.wdp(WDP.id)),
    derivesResponse: false,
    responseStatus: undefined,
    tagsFromResource: false,
  };
  const consumed = consumedKeys.reset();

  const verbatim = anyString(attrs.wdp(WDP.event));
  let type: string;
  if (verbatim !== undefined) {
    let parsed: unknown;
    try { parsed = JSON.parse(verbatim); } catch { parsed = undefined; }
    const e = parsed as SchemeEvent | undefined;
    // Only what encodeVerbatim writes is taken as an event; anything else stays visible as data.
    out.event = e && typeof e === 'object' && !Array.isArray(e) && typeof e.type === 'string' && e.payload && typeof e.payload === 'object' && !Array.isArray(e.payload)
      ? e : { type: 'event', payload: { 'wdp.attr.wdp.event': verbatim } };
    delete out.event.nested; // nesting comes from the spans, never from the copy
    type = out.event.type;
  } else {
    type = anyString(attrs.wdp(WDP.type)) ?? inferType(rec, attrs);
  }
  if (rec.isSpan && type === 'request' && !isAbsent(attrs, 'response')) {
    out.derivesResponse = true;
    out.responseStatus = attrs.get(ATTR_HTTP_RESPONSE_STATUS_CODE);
    consumed.add(ATTR_HTTP_RESPONSE_STATUS_CODE);
  }
  if (verbatim !== undefined) return out;

  const ev = out.event;
  ev.type = type;
  const payload: Payload = ev.payload;

  const tags = stringArray(attrs.wdp(WDP.tags));
  if (tags) ev.tags = tags;
  else if (!isAbsent(attrs, 'tags') && rec.resourceTags.length > 0) {
    // Shared by every event of the resource (frozen by the readers): no copy per event.
    ev.tags = rec.resourceTags as string[];
    out.tagsFromResource = true;
  }
  const severity = anyInt(attrs.wdp(WDP.severityNumber));
  if (severity !== undefined) {
    const importance = severityToImportance(severity);
    if (importance !== undefined) ev.importance = importance;
  }
  if (!isAbsent(attrs, 'time')) ev.time = rec.startMs;
  if (rec.isSpan) {
    if (!isAbsent(attrs, 'duration')) ev.duration = rec.endMs - rec.startMs;
    if (rec.statusCode === OtlpStatusCode.ERROR) ev.success = false;
    else if (rec.statusCode === OtlpStatusCode.OK) ev.success = true;
  } else {
    const success = anyBool(attrs.wdp(WDP.success));
    if (success !== undefined) ev.success = success;
    else if (!isAbsent(attrs, 'success') && type === 'log' && rec.name === 'exception') ev.success = false;
  }

  const file = anyString(attrs.get(ATTR_CODE_FILE_PATH));
  if (file !== undefined) {
    const loc: Location = { file };
    const taken: string[] = [ATTR_CODE_FILE_PATH];
    const line = anyInt(attrs.get(ATTR_CODE_LINE_NUMBER));
    if (line !== undefined && line >= 0) { loc.line = line; taken.push(ATTR_CODE_LINE_NUMBER); }
    const col = anyInt(attrs.get(ATTR_CODE_COLUMN_NUMBER));
    if (col !== undefined && col >= 0) { loc.positionStart = col; taken.push(ATTR_CODE_COLUMN_NUMBER); }
    const end = anyInt(attrs.wdp(WDP.calledFromPositionEnd));
    if (end !== undefined && end >= 0) loc.positionEnd = end;
    ev.calledFrom = loc;
    // Equal to the legacy attributes: keep the stable ones in the payload too (see the db note).
    const legacy = legacyLocation(anyString(attrs.get(ATTR_CODE_FILEPATH)), anyInt(attrs.get(ATTR_CODE_LINENO)));
    if (!(legacy && sameLocation(legacy, loc))) for (const k of taken) consumed.add(k);
  } else {
    // Older semconv names are read, not consumed: they stay in the payload so they come back.
    const legacy = legacyLocation(anyString(attrs.get(ATTR_CODE_FILEPATH)), anyInt(attrs.get(ATTR_CODE_LINENO)));
    if (legacy) ev.calledFrom = legacy;
  }
  const definedFile = anyString(attrs.wdp(WDP.definedInFile));
  if (definedFile !== undefined) {
    const loc: Location = { file: definedFile };
    const line = anyInt(attrs.wdp(WDP.definedInLine));
    if (line !== undefined && line >= 0) loc.line = line;
    const ps = anyInt(attrs.wdp(WDP.definedInPositionStart));
    if (ps !== undefined && ps >= 0) loc.positionStart = ps;
    const pe = anyInt(attrs.wdp(WDP.definedInPositionEnd));
    if (pe !== undefined && pe >= 0) loc.positionEnd = pe;
    ev.definedIn = loc;
  }

  switch (type) {
    case 'log': payload.message = rec.name; break;
    case 'event': {
      payload.name = rec.name;
      const group = anyString(attrs.get(ATTR_EVENT_CONTEXT));
      if (group !== undefined) { payload.group = group; consumed.add(ATTR_EVENT_CONTEXT); }
      break;
    }
    case 'middleware': case 'template': payload.name = rec.name; break;
    case 'query': {
      // A home attribute equal to what would be derived without it (its legacy twin, or the
      // default) is left in the payload too: scheme → OTLP omits the typed field then, and the
      // attribute comes back from the payload. The same rule holds for method, uri and code.*.
      const target = anyString(attrs.get(ATTR_DB_SYSTEM_NAME));
      const legacyTarget = anyString(attrs.get(ATTR_DB_SYSTEM));
      if (target !== undefined && target !== (legacyTarget ?? 'unknown')) consumed.add(ATTR_DB_SYSTEM_NAME);
      payload.target = target ?? legacyTarget ?? 'unknown';
      const query = anyString(attrs.get(ATTR_DB_QUERY_TEXT));
      const legacyQuery = anyString(attrs.get(ATTR_DB_STATEMENT));
      if (query !== undefined && query !== (legacyQuery ?? rec.name)) consumed.add(ATTR_DB_QUERY_TEXT);
      payload.query = query ?? legacyQuery ?? rec.name;
      if (!isAbsent(attrs, 'syntax') && isSqlSystem(payload.target)) payload.syntax = 'sql';
      break;
    }
    case 'request': {
      const method = anyString(attrs.get(ATTR_HTTP_REQUEST_METHOD));
      const legacyMethod = anyString(attrs.get(ATTR_HTTP_METHOD));
      if (method !== undefined && method !== legacyMethod) consumed.add(ATTR_HTTP_REQUEST_METHOD);
      const m = method ?? legacyMethod;
      if (m !== undefined) payload.method = m;
      const full = anyString(attrs.get(ATTR_URL_FULL));
      const derived = derivedUri(anyToJson(attrs.get(ATTR_URL_PATH)), anyToJson(attrs.get(ATTR_URL_QUERY)));
      if (full !== undefined && full !== derived) consumed.add(ATTR_URL_FULL);
      const uri = full ?? derived;
      if (uri !== undefined) payload.uri = uri;
      const headers: Param[] = [];
      for (const kv of rec.attributes) {
        if (!kv.key.startsWith(HTTP_REQUEST_HEADER_PREFIX)) continue;
        const name = kv.key.slice(HTTP_REQUEST_HEADER_PREFIX.length);
        // The semconv form (a non-empty string array) only; anything else stays as it is.
        const values = stringArray(kv.value);
        if (!values || values.length === 0) continue;
        consumed.add(kv.key);
        for (const value of values) headers.push({ key: name, value });
      }
      if (headers.length > 0) payload.headers = headers;
      break;
    }
    default: break;
  }

  // A dotted key can only be in the payload already if the span has it twice, or a wdp.* key
  // put it there (typed fields are undotted): when neither can be, there is nothing to look up.
  const mayBeTaken = attrs.hasWdp || rec.attributesDistinct !== true;
  for (const kv of rec.attributes) {
    const key = propertyKey(kv.key);
    if (consumed.has(key)) continue;
    if (key.startsWith(WDP.payloadPrefix)) setOwn(payload, key.slice(WDP.payloadPrefix.length), anyToJson(kv.value));
    else if (!key.startsWith('wdp.')) {
      // An undotted name would read as one of the scheme's own payload keys, and a taken one
      // (a typed field, a span field) would be overwritten: both go under wdp.attr.<name>.
      const keep = key.includes('.') && !isSpanFieldKey(key) && !(mayBeTaken && Object.prototype.hasOwnProperty.call(payload, key));
      setOwn(payload, keep ? key : WDP.attrPrefix + key, anyToJson(kv.value));
    }
  }
  if (rec.isSpan) {
    if (rec.kind !== defaultKind(type)) payload[PAYLOAD_SPAN_KIND] = KIND_NAMES[rec.kind] ?? String(rec.kind);
    if (rec.statusMessage) payload[PAYLOAD_STATUS_MESSAGE] = rec.statusMessage;
  }
  if (rec.name !== deriveSpanName(type, payload)) payload[PAYLOAD_SPAN_NAME] = rec.name;
  return out;
}

function legacyLocation(file: string | undefined, line: number | undefined): Location | undefined {
  if (file === undefined) return undefined;
  return line !== undefined && line >= 0 ? { file, line } : { file };
}

// ---------------------------------------------------------------------------------------------

export interface EncodeContext {
  isSpan: boolean;
  /** Start used when the event has no time (the parent's, or the document's). */
  fallbackStartMs: number;
  resourceTags: readonly string[];
  /** For request spans: the folded response's status (undefined = none), or 'absent' = no derived response. */
  response?: { status: JsonValue | undefined } | 'absent';
}

export interface EncodedNode {
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: KeyValue[];
  statusCode: number;
  statusMessage: string;
  /** True when the event needed the verbatim fallback (wdp.event). */
  verbatim: boolean;
  /** encodeSmart met a key or field whose mapping is not exact by construction: check by decoding. */
  risky?: boolean;
}

function kv(key: string, value: AnyValue): KeyValue {
  return { key, value };
}

function stringValues(list: readonly string[]): AnyValue[] {
  const out = new Array<AnyValue>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = { stringValue: list[i] };
  return out;
}
const TRUE: AnyValue = { boolValue: true };

function isParamList(v: JsonValue | undefined): v is Param[] {
  return Array.isArray(v) && v.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p.key === 'string');
}

/** Headers as attributes when decodeNode would give exactly these params back. */
function headersAsAttributes(headers: Param[]): KeyValue[] | undefined {
  const groups = new Map<string, string[]>();
  let last: string | undefined;
  for (const p of headers) {
    if (typeof p.value !== 'string' || Object.keys(p).length !== 2) return undefined;
    const group = groups.get(p.key);
    if (group && last !== p.key) return undefined; // interleaved keys would be regrouped
    if (group) group.push(p.value); else groups.set(p.key, [p.value]);
    last = p.key;
  }
  const out: KeyValue[] = [];
  for (const [key, values] of groups) {
    out.push(kv(HTTP_REQUEST_HEADER_PREFIX + key, { arrayValue: { values: values.map((stringValue) => ({ stringValue })) } }));
  }
  return out;
}

/** Event (without nested) → span or span event fields. */
export function encodeNode(ev: SchemeEvent, ctx: EncodeContext): EncodedNode {
  const smart = encodeSmart(ev, ctx);
  if (!smart) return encodeVerbatim(ev, ctx);
  if (!smart.risky) return smart;
  if (sameEvent(decodeNode({ ...smart, isSpan: ctx.isSpan, resourceTags: ctx.resourceTags }).event, ev)) return smart;
  return encodeVerbatim(ev, ctx);
}

/**
 * Attribute names decodeNode reads for something other than "payload key of the same name".
 * A payload key among them (or in wdp.*, code.*, http.request.header.*) may collide with what
 * encodeSmart writes; only then is the decode check worth its cost. Everything else maps 1:1.
 */
// (Names decodeNode only uses to infer a type, like express.type or event.name, are not here:
// encodeSmart always writes wdp.type. http.route only feeds the name derivation, which both
// directions compute from the same payload. url.path/url.query matter only for a request
// without uri: see the loop in encodeSmart.)
const SENSITIVE_KEYS = new Set<string>([
  ATTR_DB_SYSTEM_NAME, ATTR_DB_SYSTEM, ATTR_DB_QUERY_TEXT, ATTR_DB_STATEMENT, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_METHOD,
  ATTR_URL_FULL, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_EVENT_CONTEXT,
  PAYLOAD_SPAN_NAME, PAYLOAD_SPAN_KIND, PAYLOAD_STATUS_MESSAGE,
]);

function times(ev: SchemeEvent, ctx: EncodeContext, attributes: KeyValue[]): { startMs: number; endMs: number } {
  const startMs = ev.time ?? ctx.fallbackStartMs;
  if (ev.time === undefined) attributes.push(kv(ABSENT.time, TRUE));
  let endMs = startMs;
  if (ctx.isSpan) {
    if (ev.duration === undefined) attributes.push(kv(ABSENT.duration, TRUE));
    else endMs = startMs + ev.duration;
  }
  return { startMs, endMs };
}

function responseAttributes(ev: SchemeEvent, ctx: EncodeContext, attributes: KeyValue[]): void {
  if (!ctx.isSpan || ev.type !== 'request') return;
  if (ctx.response === 'absent' || ctx.response === undefined) attributes.push(kv(ABSENT.response, TRUE));
  else if (ctx.response.status !== undefined) attributes.push(kv(ATTR_HTTP_RESPONSE_STATUS_CODE, jsonToAny(ctx.response.status)));
}

function statusOf(success: boolean | undefined): number {
  return success === false ? OtlpStatusCode.ERROR : success === true ? OtlpStatusCode.OK : OtlpStatusCode.UNSET;
}

function encodeVerbatim(ev: SchemeEvent, ctx: EncodeContext): EncodedNode {
  const attributes: KeyValue[] = [kv(WDP.type, { stringValue: ev.type })];
  const { nested: _nested, ...rest } = ev;
  attributes.push(kv(WDP.event, { stringValue: JSON.stringify(rest) }));
  const { startMs, endMs } = times(ev, ctx, attributes);
  responseAttributes(ev, ctx, attributes);
  return {
    name: deriveSpanName(ev.type, ev.payload), kind: defaultKind(ev.type), startMs, endMs, attributes,
    statusCode: ctx.isSpan ? statusOf(ev.success) : 0, statusMessage: '', verbatim: true,
  };
}

function encodeSmart(ev: SchemeEvent, ctx: EncodeContext): EncodedNode | undefined {
  const payload = ev.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const type = ev.type;
  const attributes: KeyValue[] = [kv(WDP.type, { stringValue: type })];
  const handled = handledKeys.reset();

  if (ev.tags !== undefined) attributes.push(kv(WDP.tags, { arrayValue: { values: stringValues(ev.tags) } }));
  else if (ctx.resourceTags.length > 0) attributes.push(kv(ABSENT.tags, TRUE));
  if (ev.importance !== undefined) attributes.push(kv(WDP.severityNumber, { intValue: String(IMPORTANCE_TO_SEVERITY[ev.importance] ?? 0) }));
  const { startMs, endMs } = times(ev, ctx, attributes);
  if (!ctx.isSpan) {
    const impliedFailure = type === 'log' && payload.message === 'exception';
    if (ev.success === undefined) { if (impliedFailure) attributes.push(kv(ABSENT.success, TRUE)); }
    else if (!(impliedFailure && ev.success === false)) attributes.push(kv(WDP.success, { boolValue: ev.success }));
  }
  responseAttributes(ev, ctx, attributes);

  if (ev.calledFrom) {
    const loc = ev.calledFrom;
    const lineno = payload[ATTR_CODE_LINENO];
    const legacy = legacyLocation(str(payload[ATTR_CODE_FILEPATH]), typeof lineno === 'number' && Number.isSafeInteger(lineno) ? lineno : undefined);
    if (!(legacy && sameLocation(legacy, loc))) {
      attributes.push(kv(ATTR_CODE_FILE_PATH, { stringValue: loc.file }));
      if (loc.line !== undefined) attributes.push(kv(ATTR_CODE_LINE_NUMBER, { intValue: String(loc.line) }));
      if (loc.positionStart !== undefined) attributes.push(kv(ATTR_CODE_COLUMN_NUMBER, { intValue: String(loc.positionStart) }));
      if (loc.positionEnd !== undefined) attributes.push(kv(WDP.calledFromPositionEnd, { intValue: String(loc.positionEnd) }));
    }
  }
  if (ev.definedIn) {
    const loc = ev.definedIn;
    attributes.push(kv(WDP.definedInFile, { stringValue: loc.file }));
    if (loc.line !== undefined) attributes.push(kv(WDP.definedInLine, { intValue: String(loc.line) }));
    if (loc.positionStart !== undefined) attributes.push(kv(WDP.definedInPositionStart, { intValue: String(loc.positionStart) }));
    if (loc.positionEnd !== undefined) attributes.push(kv(WDP.definedInPositionEnd, { intValue: String(loc.positionEnd) }));
  }

  // The span name: a payload override, else derived from the payload.
  const derivedName = deriveSpanName(type, payload);
  let name = derivedName;
  const nameOverride = str(payload[PAYLOAD_SPAN_NAME]);
  // log, event, middleware and template take a payload field from the span name itself.
  let risky = ev.calledFrom !== undefined || ev.definedIn !== undefined || (type === 'request' && payload.headers !== undefined);
  if (nameOverride !== undefined && nameOverride !== derivedName) {
    name = nameOverride;
    handled.add(PAYLOAD_SPAN_NAME);
    if (type === 'log' || type === 'event' || type === 'middleware' || type === 'template') risky = true;
  }
  let kind = defaultKind(type);
  let statusMessage = '';
  if (ctx.isSpan) {
    const kindName = str(payload[PAYLOAD_SPAN_KIND]);
    const kindIndex = kindName === undefined ? -1 : (KIND_NAMES as readonly string[]).indexOf(kindName);
    if (kindIndex >= 0 && kindIndex !== kind) { kind = kindIndex; handled.add(PAYLOAD_SPAN_KIND); }
    const message = str(payload[PAYLOAD_STATUS_MESSAGE]);
    if (message) { statusMessage = message; handled.add(PAYLOAD_STATUS_MESSAGE); }
  }

  switch (type) {
    case 'log': handled.add('message'); break;
    case 'event': {
      handled.add('name');
      if (typeof payload.group === 'string') { handled.add('group'); attributes.push(kv(ATTR_EVENT_CONTEXT, { stringValue: payload.group })); }
      break;
    }
    case 'middleware': case 'template': handled.add('name'); break;
    case 'query': {
      const target = str(payload.target), query = str(payload.query);
      if (target !== undefined) {
        handled.add('target');
        if (target !== (str(payload[ATTR_DB_SYSTEM]) ?? 'unknown')) attributes.push(kv(ATTR_DB_SYSTEM_NAME, { stringValue: target }));
      }
      if (query !== undefined) {
        handled.add('query');
        if (query !== (str(payload[ATTR_DB_STATEMENT]) ?? name)) attributes.push(kv(ATTR_DB_QUERY_TEXT, { stringValue: query }));
      }
      const sql = target !== undefined && isSqlSystem(target);
      if (sql && payload.syntax === 'sql') handled.add('syntax');
      else if (sql && payload.syntax === undefined) attributes.push(kv(ABSENT.syntax, TRUE));
      break;
    }
    case 'request': {
      const method = str(payload.method);
      if (method !== undefined) {
        handled.add('method');
        if (method !== str(payload[ATTR_HTTP_METHOD])) attributes.push(kv(ATTR_HTTP_REQUEST_METHOD, { stringValue: method }));
      }
      const uri = str(payload.uri);
      if (uri !== undefined) {
        handled.add('uri');
        if (!isDerivedUri(uri, payload[ATTR_URL_PATH], payload[ATTR_URL_QUERY])) attributes.push(kv(ATTR_URL_FULL, { stringValue: uri }));
      }
      if (isParamList(payload.headers)) {
        const headerAttrs = headersAsAttributes(payload.headers);
        if (headerAttrs && headerAttrs.length > 0) { handled.add('headers'); attributes.push(...headerAttrs); }
      }
      break;
    }
    default: break;
  }

  for (const key of Object.keys(payload)) {
    if (handled.has(key)) continue;
    const value = payload[key];
    // OTel attribute names are dotted; the scheme's own payload keys are not. Dotted keys go
    // to their attribute as they are; wdp.attr.<name> back to <name>; the rest live in the
    // wdp.payload. namespace.
    if (key.indexOf('.') < 0) {
      attributes.push(kv(WDP.payloadPrefix + key, jsonToAny(value)));
      continue;
    }
    const wdp = key.startsWith('wdp.');
    if (!risky && (wdp || SENSITIVE_KEYS.has(key) || key.startsWith('code.') || key.startsWith(HTTP_REQUEST_HEADER_PREFIX)
      || ((key === ATTR_URL_PATH || key === ATTR_URL_QUERY) && type === 'request' && payload.uri === undefined))) risky = true;
    if (!wdp) attributes.push(kv(key, jsonToAny(value)));
    else if (key.startsWith(WDP.attrPrefix) && !key.startsWith('wdp.', WDP.attrPrefix.length)) attributes.push(kv(key.slice(WDP.attrPrefix.length), jsonToAny(value)));
    else attributes.push(kv(WDP.payloadPrefix + key, jsonToAny(value)));
  }
  return { name, kind, startMs, endMs, attributes, statusCode: ctx.isSpan ? statusOf(ev.success) : 0, statusMessage, verbatim: false, risky };
}

// ---------------------------------------------------------------------------------------------

function sameLocation(a: Location | undefined, b: Location | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.file === b.file && a.line === b.line && a.positionStart === b.positionStart && a.positionEnd === b.positionEnd
    && Object.keys(a).length === Object.keys(b).length;
}

function sameTags(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Deep equality of JSON values, object key order ignored (it carries no meaning in JSON). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

const EVENT_FIELDS = new Set(['type', 'payload', 'tags', 'importance', 'time', 'duration', 'success', 'calledFrom', 'definedIn', 'nested']);

/** The same event, nested aside. */
export function sameEvent(a: SchemeEvent, b: SchemeEvent): boolean {
  for (const k of Object.keys(b)) if (!EVENT_FIELDS.has(k)) return false;
  return a.type === b.type && a.importance === b.importance && a.time === b.time && a.duration === b.duration
    && a.success === b.success && sameTags(a.tags, b.tags) && sameLocation(a.calledFrom, b.calledFrom)
    && sameLocation(a.definedIn, b.definedIn) && sameJson(a.payload, b.payload);
}
