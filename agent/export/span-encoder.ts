import type { Attributes, Link } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { SPAN_ID_BYTES, type SpanIdBytes } from '../runtime/span-id-bytes';
import { ProtobufWriter, WireType, fieldTag, int64Size, isInt64, putVarint32, utf8Length, varint32Size } from './protobuf-writer';

// The encoder's fast path for ids (runtime/span-id-bytes.ts); exported here for the encoder's users.
export { SPAN_ID_BYTES, type SpanIdBytes };

/**
 * Encodes one ended span straight into a ProtobufWriter as an OTLP `Span` record, the way
 * @opentelemetry/otlp-transformer's ProtobufTraceSerializer does at export time, so that a batch can
 * keep only bytes from `end()` to the flush (see trace-batch.ts). Field by field it makes the same
 * choices as that serializer (which fields are always written, int vs double, null values, span
 * flags), which the tests check on generated spans; what differs is only that nested messages of
 * unknown size carry a padded length prefix (protobuf-writer.ts).
 *
 * Field numbers: opentelemetry-proto, opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto.
 */

/** What the encoder reads from a span: ReadableSpan of @opentelemetry/sdk-trace 3 without its resource, duration and ended flag. */
export type EncodableSpan = Pick<
  ReadableSpan,
  | 'name'
  | 'kind'
  | 'spanContext'
  | 'parentSpanContext'
  | 'startTime'
  | 'endTime'
  | 'status'
  | 'attributes'
  | 'links'
  | 'events'
  | 'droppedAttributesCount'
  | 'droppedEventsCount'
  | 'droppedLinksCount'
  | 'instrumentationScope'
> &
  SpanIdBytes;

/** An instrumentation scope as the SDK hands it over; attributes when the API of the day passes them. */
export interface EncodableScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

export type EncodableResource = Pick<Resource, 'attributes'> & { readonly schemaUrl?: string };

export interface SpanEncoderOptions {
  /**
   * How many distinct attribute keys keep their encoded bytes. Keys past the bound are encoded on
   * every use instead (nothing is evicted, so a flood of one-off keys cannot churn the cache).
   */
  maxCachedKeys?: number;
  /** Depth past which a nested attribute value (array or kvlist) is refused: a cycle, or abuse. */
  maxValueDepth?: number;
  /** Bytes of encoded attribute values remembered, over all keys (at most 64 values per key). */
  maxRememberedValueBytes?: number;
  /** Distinct span names kept encoded (names past the bound are encoded each time; nothing is evicted). */
  maxCachedNames?: number;
}

const LEN = WireType.LengthDelimited;

// ScopeSpans
/** ScopeSpans.spans: the field one encoded span is a record of. */
export const SCOPE_SPANS_SPAN = fieldTag(2, LEN);

// Span
const SPAN_TRACE_ID = fieldTag(1, LEN);
const SPAN_SPAN_ID = fieldTag(2, LEN);
const SPAN_TRACE_STATE = fieldTag(3, LEN);
const SPAN_PARENT_SPAN_ID = fieldTag(4, LEN);
const SPAN_NAME = fieldTag(5, LEN);
const SPAN_KIND = fieldTag(6, WireType.Varint);
const SPAN_START_TIME = fieldTag(7, WireType.Fixed64);
const SPAN_END_TIME = fieldTag(8, WireType.Fixed64);
const SPAN_ATTRIBUTES = fieldTag(9, LEN);
const SPAN_DROPPED_ATTRIBUTES = fieldTag(10, WireType.Varint);
const SPAN_EVENTS = fieldTag(11, LEN);
const SPAN_DROPPED_EVENTS = fieldTag(12, WireType.Varint);
const SPAN_LINKS = fieldTag(13, LEN);
const SPAN_DROPPED_LINKS = fieldTag(14, WireType.Varint);
const SPAN_STATUS = fieldTag(15, LEN);
const SPAN_FLAGS = fieldTag(16, WireType.Fixed32); // two varint bytes: 0x85 0x01

// Span.Event
const EVENT_TIME = fieldTag(1, WireType.Fixed64);
const EVENT_NAME = fieldTag(2, LEN);
const EVENT_ATTRIBUTES = fieldTag(3, LEN);
const EVENT_DROPPED_ATTRIBUTES = fieldTag(4, WireType.Varint);

// Span.Link
const LINK_TRACE_ID = fieldTag(1, LEN);
const LINK_SPAN_ID = fieldTag(2, LEN);
const LINK_TRACE_STATE = fieldTag(3, LEN);
const LINK_ATTRIBUTES = fieldTag(4, LEN);
const LINK_DROPPED_ATTRIBUTES = fieldTag(5, WireType.Varint);
const LINK_FLAGS = fieldTag(6, WireType.Fixed32);

// Status
const STATUS_MESSAGE = fieldTag(2, LEN);
const STATUS_CODE = fieldTag(3, WireType.Varint);

// KeyValue, AnyValue, ArrayValue, KeyValueList
const KEY_VALUE_KEY = fieldTag(1, LEN);
const KEY_VALUE_VALUE = fieldTag(2, LEN);
const ANY_STRING = fieldTag(1, LEN);
const ANY_BOOL = fieldTag(2, WireType.Varint);
const ANY_INT = fieldTag(3, WireType.Varint);
const ANY_DOUBLE = fieldTag(4, WireType.Fixed64);
const ANY_ARRAY = fieldTag(5, LEN);
const ANY_KVLIST = fieldTag(6, LEN);
const ANY_BYTES = fieldTag(7, LEN);
const LIST_VALUES = fieldTag(1, LEN); // ArrayValue.values and KeyValueList.values

// Resource, InstrumentationScope, ResourceSpans, ScopeSpans
const RESOURCE_ATTRIBUTES = fieldTag(1, LEN);
const RESOURCE_DROPPED_ATTRIBUTES = fieldTag(2, WireType.Varint);
const SCOPE_NAME = fieldTag(1, LEN);
const SCOPE_VERSION = fieldTag(2, LEN);
const SCOPE_ATTRIBUTES = fieldTag(3, LEN);
const SCOPE_DROPPED_ATTRIBUTES = fieldTag(4, WireType.Varint);
/** ResourceSpans.resource and ScopeSpans.scope are both field 1. */
const FIRST_MESSAGE_FIELD = fieldTag(1, LEN);

/** Span flags (trace.proto SpanFlags): the W3C trace flags, and whether the parent was remote, as upstream sets them. */
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (isRemote ? FLAGS_IS_REMOTE : 0);
}

const hasOwn = Object.prototype.hasOwnProperty;

export class SpanEncoder {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly maxCachedKeys: number;
  private readonly maxValueDepth: number;
  private readonly maxMemoBytes: number;
  private memoBytes = 0;
  private readonly names = new Map<string, Uint8Array>();
  private readonly maxCachedNames: number;
  private lastTraceId = '';
  private readonly lastTraceIdBytes = new Uint8Array(16);

  constructor(options: SpanEncoderOptions = {}) {
    this.maxCachedKeys = options.maxCachedKeys ?? 1024;
    this.maxValueDepth = options.maxValueDepth ?? 64;
    this.maxMemoBytes = options.maxRememberedValueBytes ?? 1024 * 1024;
    this.maxCachedNames = options.maxCachedNames ?? 1024;
  }

  /** Bytes of encoded attribute values remembered (bounded by maxRememberedValueBytes). */
  get rememberedValueBytes(): number {
    return this.memoBytes;
  }

  /** Distinct attribute keys whose encoding is cached. */
  get cachedKeys(): number {
    return this.keys.size;
  }

  /**
   * Appends one span as a `ScopeSpans.spans` record: field tag, padded length, `Span`. Throws on a
   * span it cannot read (a getter that throws, a value nested past maxValueDepth); the caller then
   * rolls the writer back to where the record began.
   */
  encodeSpan(w: ProtobufWriter, span: EncodableSpan): void {
    const ctx = span.spanContext();
    const parent = span.parentSpanContext;
    w.byte(SCOPE_SPANS_SPAN);
    const start = w.beginLength();

    const ids = span[SPAN_ID_BYTES];
    if (ids !== undefined) {
      if (ids.length !== 24 && ids.length !== 32) throw new Error(`SPAN_ID_BYTES holds ${ids.length} bytes: 24 (trace id, span id) or 32 (and the parent span id) expected`);
      w.byte(SPAN_TRACE_ID);
      w.byte(16);
      w.rawRange(ids, 0, 16);
      w.byte(SPAN_SPAN_ID);
      w.byte(8);
      w.rawRange(ids, 16, 24);
    } else {
      w.byte(SPAN_TRACE_ID);
      this.traceId(w, ctx.traceId);
      w.byte(SPAN_SPAN_ID);
      w.hexBytes(ctx.spanId);
    }
    const traceState = ctx.traceState?.serialize();
    if (traceState) {
      w.byte(SPAN_TRACE_STATE);
      w.string(traceState);
    }
    if (ids !== undefined) {
      if (ids.length === 32) {
        w.byte(SPAN_PARENT_SPAN_ID);
        w.byte(8);
        w.rawRange(ids, 24, 32);
      }
    } else if (parent?.spanId) {
      w.byte(SPAN_PARENT_SPAN_ID);
      w.hexBytes(parent.spanId);
    }
    this.spanName(w, span.name);
    const kind = span.kind == null ? 0 : span.kind + 1;
    if (kind !== 0) {
      w.byte(SPAN_KIND);
      w.varint32(kind);
    }
    w.byte(SPAN_START_TIME);
    w.hrTime(span.startTime);
    w.byte(SPAN_END_TIME);
    w.hrTime(span.endTime);
    if (span.attributes) this.attributes(w, span.attributes, SPAN_ATTRIBUTES);
    w.byte(SPAN_DROPPED_ATTRIBUTES);
    w.varint32(span.droppedAttributesCount);
    const events = span.events;
    for (let i = 0; i < events.length; i++) this.event(w, events[i]!);
    w.byte(SPAN_DROPPED_EVENTS);
    w.varint32(span.droppedEventsCount);
    const links = span.links;
    for (let i = 0; i < links.length; i++) this.link(w, links[i]!);
    w.byte(SPAN_DROPPED_LINKS);
    w.varint32(span.droppedLinksCount);
    this.status(w, span.status.code, span.status.message);
    w.byte((SPAN_FLAGS & 0x7f) | 0x80);
    w.byte(SPAN_FLAGS >>> 7);
    w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
    w.endLength(start);
  }

  /**
   * A trace id as a bytes field. The spans of one request end one after the other and share their
   * trace id (the same string, from the parent's context), so the last one is kept as bytes.
   */
  private traceId(w: ProtobufWriter, hex: string): void {
    if (hex === this.lastTraceId && hex.length === 32) {
      w.byte(16);
      w.raw(this.lastTraceIdBytes);
      return;
    }
    const start = w.pos + 1;
    w.hexBytes(hex);
    if (hex.length === 32) {
      w.buf.copy(this.lastTraceIdBytes, 0, start, start + 16);
      this.lastTraceId = hex;
    }
  }

  /** The name field; names repeat (one per route or query kind), so up to maxCachedNames are kept encoded. */
  private spanName(w: ProtobufWriter, name: string): void {
    const cached = this.names.get(name);
    if (cached !== undefined) {
      w.raw(cached);
      return;
    }
    const start = w.pos;
    w.byte(SPAN_NAME);
    w.string(name);
    if (this.names.size < this.maxCachedNames) this.names.set(name, Uint8Array.prototype.slice.call(w.buf, start, w.pos));
  }

  /**
   * `ResourceSpans.resource` (field tag, minimal length, `Resource`), encoded once per resource.
   * The schema URL is not part of it: it closes ResourceSpans (see schemaUrlField).
   */
  encodeResource(resource: EncodableResource): Uint8Array {
    const w = new ProtobufWriter(1024);
    this.attributes(w, resource.attributes, RESOURCE_ATTRIBUTES);
    w.byte(RESOURCE_DROPPED_ATTRIBUTES);
    w.byte(0);
    return withLengthPrefix(FIRST_MESSAGE_FIELD, w);
  }

  /** `ScopeSpans.scope` (field tag, minimal length, `InstrumentationScope`). */
  encodeScope(scope: EncodableScope): Uint8Array {
    const w = new ProtobufWriter(256);
    w.byte(SCOPE_NAME);
    w.string(scope.name);
    if (scope.version) {
      w.byte(SCOPE_VERSION);
      w.string(scope.version);
    }
    if (scope.attributes) this.attributes(w, scope.attributes, SCOPE_ATTRIBUTES);
    if (scope.droppedAttributesCount) {
      w.byte(SCOPE_DROPPED_ATTRIBUTES);
      w.varint32(scope.droppedAttributesCount);
    }
    return withLengthPrefix(FIRST_MESSAGE_FIELD, w);
  }

  private event(w: ProtobufWriter, event: TimedEvent): void {
    w.byte(SPAN_EVENTS);
    const start = w.beginLength();
    w.byte(EVENT_TIME);
    w.hrTime(event.time);
    w.byte(EVENT_NAME);
    w.string(event.name);
    if (event.attributes) this.attributes(w, event.attributes, EVENT_ATTRIBUTES);
    w.byte(EVENT_DROPPED_ATTRIBUTES);
    w.varint32(event.droppedAttributesCount || 0);
    w.endLength(start);
  }

  private link(w: ProtobufWriter, link: Link): void {
    const ctx = link.context;
    w.byte(SPAN_LINKS);
    const start = w.beginLength();
    w.byte(LINK_TRACE_ID);
    w.hexBytes(ctx.traceId);
    w.byte(LINK_SPAN_ID);
    w.hexBytes(ctx.spanId);
    const traceState = ctx.traceState?.serialize();
    if (traceState) {
      w.byte(LINK_TRACE_STATE);
      w.string(traceState);
    }
    if (link.attributes) this.attributes(w, link.attributes, LINK_ATTRIBUTES);
    w.byte(LINK_DROPPED_ATTRIBUTES);
    w.varint32(link.droppedAttributesCount || 0);
    w.byte(LINK_FLAGS);
    w.fixed32(spanFlags(ctx.traceFlags, ctx.isRemote));
    w.endLength(start);
  }

  /** Status, whose size is known up front: a minimal length prefix. */
  private status(w: ProtobufWriter, code: number, message: string | undefined): void {
    const codeSize = 1 + varint32Size(code);
    w.byte(SPAN_STATUS);
    if (message) {
      const n = utf8Length(message);
      w.varint32(1 + varint32Size(n) + n + codeSize);
      w.byte(STATUS_MESSAGE);
      w.varint32(n);
      w.utf8(message, n);
    } else {
      w.varint32(codeSize);
    }
    w.byte(STATUS_CODE);
    w.varint32(code);
  }

  /** Every own enumerable attribute as a KeyValue in field `tag`, in the order upstream writes them. */
  private attributes(w: ProtobufWriter, attributes: Attributes, tag: number): void {
    for (const key in attributes) {
      if (!hasOwn.call(attributes, key)) continue;
      this.keyValue(w, tag, key, attributes[key]);
    }
  }

  /** One attribute. */
  private keyValue(w: ProtobufWriter, tag: number, key: string, value: unknown): void {
    let entry = this.keys.get(key);
    if (entry === undefined && this.keys.size < this.maxCachedKeys) {
      entry = new KeyEntry(encodeKeyField(key));
      this.keys.set(key, entry);
    }
    const type = typeof value;
    if (entry !== undefined && (type === 'string' || type === 'number' || type === 'boolean')) this.scalarKeyValue(w, tag, entry, value as string | number | boolean);
    else this.anyKeyValue(w, tag, key, entry?.field, value);
  }

  /**
   * A string, number or boolean attribute under a cached key. Values are remembered encoded, per
   * key, up to a bound per key and a byte budget overall: the low-cardinality values that make up
   * most attributes of a service's spans (method, route, scheme, port, status, user agent) then cost
   * one lookup and one copy. Nothing is evicted, so a high-cardinality key (a path, an id) fills its
   * share once and then costs one missed lookup per value.
   */
  private scalarKeyValue(w: ProtobufWriter, tag: number, entry: KeyEntry, value: string | number | boolean): void {
    let values = entry.values;
    if (values !== undefined) {
      const memo = values.get(value);
      if (memo !== undefined) {
        w.byte(tag);
        w.raw(memo);
        return;
      }
    }
    const start = w.pos + 1; // the KeyValue after its field tag
    const isString = typeof value === 'string';
    if (!isString || value.length > SHORT_STRING || !asciiKeyValue(w, tag, entry.field, value)) this.anyKeyValue(w, tag, '', entry.field, value);
    // The budget is a hard bound: a value whose bytes would pass it is not remembered.
    if ((values === undefined || values.size < MAX_VALUES_PER_KEY) && this.memoBytes + (w.pos - start) <= this.maxMemoBytes && (!isString || value.length <= MEMO_MAX_LENGTH)) {
      const memo = Uint8Array.prototype.slice.call(w.buf, start, w.pos);
      if (values === undefined) values = entry.values = new Map();
      values.set(value, memo);
      this.memoBytes += memo.length;
    }
  }

  /**
   * One attribute of any value type. Scalar values (string, bool, number, bytes, empty) have a size
   * known before they are written, so their KeyValue and AnyValue lengths are minimal; arrays and
   * kvlists are written with padded lengths. `keyField` is the key's cached field, if it has one.
   */
  private anyKeyValue(w: ProtobufWriter, tag: number, key: string, keyField: Uint8Array | undefined, value: unknown): void {
    let keyLength = 0;
    let keySize: number;
    if (keyField !== undefined) keySize = keyField.length;
    else {
      keyLength = utf8Length(key);
      keySize = 1 + varint32Size(keyLength) + keyLength;
    }
    const type = typeof value;
    let valueSize: number; // the AnyValue message
    let stringLength = 0;
    if (type === 'string') {
      stringLength = utf8Length(value as string);
      valueSize = 1 + varint32Size(stringLength) + stringLength;
    } else if (type === 'boolean') {
      valueSize = 2;
    } else if (type === 'number') {
      valueSize = isInt64(value as number) ? 1 + int64Size(value as number) : 9;
    } else if (value instanceof Uint8Array) {
      valueSize = 1 + varint32Size(value.length) + value.length;
    } else if (type === 'object' && value !== null) {
      // An array or a kvlist: sizes unknown until written.
      w.byte(tag);
      const start = w.beginLength();
      this.key(w, key, keyField, keyLength);
      w.byte(KEY_VALUE_VALUE);
      const valueStart = w.beginLength();
      this.anyValue(w, value, 1);
      w.endLength(valueStart);
      w.endLength(start);
      return;
    } else {
      valueSize = 0; // null, undefined, and what OTLP has no type for: an empty AnyValue, as upstream
    }
    w.byte(tag);
    w.varint32(keySize + 1 + varint32Size(valueSize) + valueSize);
    this.key(w, key, keyField, keyLength);
    w.byte(KEY_VALUE_VALUE);
    w.varint32(valueSize);
    if (type === 'string') {
      w.byte(ANY_STRING);
      w.varint32(stringLength);
      w.utf8(value as string, stringLength);
    } else if (valueSize !== 0) {
      this.anyValue(w, value, 1);
    }
  }

  private key(w: ProtobufWriter, key: string, keyField: Uint8Array | undefined, keyLength: number): void {
    if (keyField !== undefined) {
      w.raw(keyField);
    } else {
      w.byte(KEY_VALUE_KEY);
      w.varint32(keyLength);
      w.utf8(key, keyLength);
    }
  }

  /** The oneof field of an AnyValue (its body, without the AnyValue's own length). */
  private anyValue(w: ProtobufWriter, value: unknown, depth: number): void {
    const type = typeof value;
    if (type === 'string') {
      w.byte(ANY_STRING);
      w.string(value as string);
    } else if (type === 'boolean') {
      w.byte(ANY_BOOL);
      w.byte(value ? 1 : 0);
    } else if (type === 'number') {
      if (isInt64(value as number)) {
        w.byte(ANY_INT);
        w.int64(value as number);
      } else {
        w.byte(ANY_DOUBLE);
        w.double(value as number);
      }
    } else if (value instanceof Uint8Array) {
      w.byte(ANY_BYTES);
      w.bytes(value);
    } else if (Array.isArray(value)) {
      if (depth > this.maxValueDepth) throw new Error(`attribute value nested deeper than ${this.maxValueDepth} levels (a cycle?)`);
      w.byte(ANY_ARRAY);
      const start = w.beginLength();
      for (let i = 0; i < value.length; i++) {
        w.byte(LIST_VALUES);
        const item = w.beginLength();
        this.anyValue(w, value[i], depth + 1);
        w.endLength(item);
      }
      w.endLength(start);
    } else if (type === 'object' && value !== null) {
      if (depth > this.maxValueDepth) throw new Error(`attribute value nested deeper than ${this.maxValueDepth} levels (a cycle?)`);
      const map = value as Record<string, unknown>;
      w.byte(ANY_KVLIST);
      const start = w.beginLength();
      for (const key in map) {
        if (!hasOwn.call(map, key)) continue;
        w.byte(LIST_VALUES);
        const entry = w.beginLength();
        w.byte(KEY_VALUE_KEY);
        w.string(key);
        w.byte(KEY_VALUE_VALUE);
        const item = w.beginLength();
        this.anyValue(w, map[key], depth + 1);
        w.endLength(item);
        w.endLength(entry);
      }
      w.endLength(start);
    }
  }
}

/** Strings up to this many UTF-16 units take the one-pass ASCII path of asciiKeyValue (longer ones: Node's native UTF-8 routines). */
const SHORT_STRING = 48;
/** String values up to this long are remembered encoded (see scalarKeyValue). */
const MEMO_MAX_LENGTH = 256;

/** Distinct values remembered encoded per attribute key. */
const MAX_VALUES_PER_KEY = 64;

/** What the encoder keeps per attribute key. */
class KeyEntry {
  /**
   * Values seen under this key and their KeyValue encoded (length prefix and message, after the
   * field tag). Keyed by SameValueZero, which is also right for the encoding: -0 and 0 are both
   * int 0, and every NaN is written as the same double.
   */
  values: Map<string | number | boolean, Uint8Array> | undefined = undefined;

  /** `field`: the key's KeyValue.key field (tag, length, UTF-8). */
  constructor(readonly field: Uint8Array) {}
}

/**
 * The common attribute in one pass: a cached key and a short string value, written on the
 * assumption that the value is ASCII (its byte length is then its length, so every length is known
 * up front) and copied in the same loop that checks it. False, with nothing written, when a
 * character is not ASCII; the caller then takes the general path.
 */
function asciiKeyValue(w: ProtobufWriter, tag: number, keyField: Uint8Array, text: string): boolean {
  const n = text.length;
  const keySize = keyField.length;
  const valueSize = 1 + varint32Size(n) + n;
  const size = keySize + 1 + varint32Size(valueSize) + valueSize;
  w.ensure(6 + size);
  const b = w.buf;
  let p = w.pos;
  b[p++] = tag;
  p = putVarint32(b, p, size);
  for (let i = 0; i < keySize; i++) b[p++] = keyField[i]!;
  b[p++] = KEY_VALUE_VALUE;
  p = putVarint32(b, p, valueSize);
  b[p++] = ANY_STRING;
  p = putVarint32(b, p, n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return false;
    b[p++] = c;
  }
  w.pos = p;
  return true;
}

/** A KeyValue's key field, cached per key: tag, length, UTF-8. */
function encodeKeyField(key: string): Uint8Array {
  const n = utf8Length(key);
  const w = new ProtobufWriter(n + 8);
  w.byte(KEY_VALUE_KEY);
  w.varint32(n);
  w.utf8(key, n);
  return w.copyOut();
}

function withLengthPrefix(tag: number, body: ProtobufWriter): Uint8Array {
  const out = new ProtobufWriter(body.pos + 8);
  out.byte(tag);
  out.varint32(body.pos);
  out.raw(body.copyOut());
  return out.copyOut();
}

/** A string field (tag, length, UTF-8) as bytes: the schema URLs that close ResourceSpans and ScopeSpans (field 3 in both). */
export function schemaUrlField(schemaUrl: string | undefined): Uint8Array {
  if (!schemaUrl) return new Uint8Array(0);
  const w = new ProtobufWriter(schemaUrl.length * 3 + 8);
  w.byte(fieldTag(3, LEN));
  w.string(schemaUrl);
  return w.copyOut();
}
