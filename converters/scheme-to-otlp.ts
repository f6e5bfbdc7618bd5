import { ValueTooDeepError } from './any-value';
import { canonicalUuidTraceId, childHash, hashToSpanId, isTraceId, traceIdToUuid, traceSeed, uuidToTraceId, type PathHash } from './ids';
import { encodeNode, WDP, ORPHAN_TAG_PREFIX, PAYLOAD_RESPONSE_STATUS, type EncodedNode } from './mapping';
import type { Issue, JsonValue, SchemeDocument, SchemeEvent } from './model';
import { OtlpSpanKind, type ExportTraceServiceRequest, type KeyValue, type OtlpResourceSpans, type OtlpSpan } from './otlp-types';

/**
 * Scheme documents → OTLP/JSON ExportTraceServiceRequest (one ResourceSpans per document).
 * The walk over the event tree uses an explicit stack: documents 100k levels deep convert.
 */

export const SCOPE_NAME = 'otel-companion/converters';
const DOCUMENT_SPAN_NAME = 'wdp.document';
/** 1973-03-03T09:46:40Z: the earliest time the readers accept as epoch milliseconds. */
const TIMELESS_DOCUMENT_START_MS = 100_000_000_000;

export interface SchemeToOtlpResult {
  request: ExportTraceServiceRequest;
  issues: Issue[];
  spanCount: number;
}

export interface SchemeToOtlpOptions {
  /**
   * Resource attributes of every converted document (the CLI's --service-name and --resource):
   * they win over the `key:value` tags the document's events share.
   */
  resource?: Readonly<Record<string, string>>;
}

export class ConversionError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; '));
    this.name = 'ConversionError';
  }
}

/** Milliseconds (non-negative integer) → OTLP's nanosecond decimal string. */
export function msToNanoString(ms: number): string {
  // Spans of a document share many milliseconds (an end is often the next start): the strings
  // are kept per millisecond, direct-mapped on its low bits.
  const slot = ms & (NANO_CACHE_SIZE - 1);
  if (nanoCacheMs[slot] === ms) return nanoCacheText[slot];
  const text = ms === 0 ? '0' : `${ms}000000`;
  nanoCacheMs[slot] = ms;
  nanoCacheText[slot] = text;
  return text;
}
const NANO_CACHE_SIZE = 256;
const nanoCacheMs = new Float64Array(NANO_CACHE_SIZE).fill(NaN);
const nanoCacheText = new Array<string>(NANO_CACHE_SIZE).fill('');

function isPoint(ev: SchemeEvent): boolean {
  return ev.duration === undefined && ev.nested === undefined;
}

/** The `k:v` tags every event carries: they become the resource (and come back as tags). */
function commonResourceTags(doc: SchemeDocument): { attributes: KeyValue[]; tags: string[] } {
  // Candidates: the first event's `k:v` tags (first occurrence of each key).
  let common: string[] | undefined;
  let previous: string[] | undefined;
  const stack: SchemeEvent[][] = [doc.events];
  while (stack.length > 0 && (common === undefined || common.length > 0)) {
    const list = stack.pop()!;
    for (const ev of list) {
      const tags = ev.tags;
      if (!tags || tags.length === 0) { common = []; break; }
      if (common === undefined) {
        common = [];
        const seen: string[] = []; // a few keys: a scan compares fewer characters than a Set hashes
        for (const tag of tags) {
          const colon = tag.indexOf(':');
          if (colon <= 0 || tag.startsWith(ORPHAN_TAG_PREFIX)) continue;
          const key = tag.slice(0, colon);
          if (!seen.includes(key)) { seen.push(key); common.push(tag); }
        }
      } else if (tags !== previous && !sameStrings(tags, previous)) {
        // Keep a candidate only if this event has it as the first tag of its key.
        common = common.filter((tag) => {
          const prefix = tag.slice(0, tag.indexOf(':') + 1);
          for (const t of tags) if (t.startsWith(prefix)) return t === tag;
          return false;
        });
      }
      previous = tags;
      if (common.length === 0) break;
      if (ev.nested && ev.nested.length > 0) stack.push(ev.nested);
    }
  }
  const attributes: KeyValue[] = [];
  for (const tag of common ?? []) {
    const colon = tag.indexOf(':');
    attributes.push({ key: tag.slice(0, colon), value: { stringValue: tag.slice(colon + 1) } });
  }
  return { attributes, tags: common ?? [] };
}

const SERVICE_NAME_TAG = 'service.name:';

/**
 * The document's resource: the tags every event shares, the caller's attributes over them, and,
 * when neither names the service, the first `service.name:` tag of a top-level event (a document
 * may tag only its root events).
 */
function documentResource(doc: SchemeDocument, overrides: Readonly<Record<string, string>> | undefined): { attributes: KeyValue[]; tags: string[] } {
  const common = commonResourceTags(doc);
  const values = new Map<string, string>();
  for (const tag of common.tags) values.set(tag.slice(0, tag.indexOf(':')), tag.slice(tag.indexOf(':') + 1));
  for (const [key, value] of Object.entries(overrides ?? {})) values.set(key, value);
  if (!values.has('service.name')) {
    const tag = doc.events.flatMap((ev) => ev.tags ?? []).find((t) => t.startsWith(SERVICE_NAME_TAG));
    if (tag !== undefined) values.set('service.name', tag.slice(SERVICE_NAME_TAG.length));
  }
  if (overrides === undefined && values.size === common.tags.length) return common;
  const attributes: KeyValue[] = [];
  const tags: string[] = [];
  for (const [key, value] of values) {
    attributes.push({ key, value: { stringValue: value } });
    tags.push(`${key}:${value}`);
  }
  return { attributes, tags };
}

function sameStrings(a: string[], b: string[] | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const FOLDABLE_KEYS = new Set(['type', 'payload', 'time', 'duration', 'tags', 'importance', 'success', 'calledFrom', 'definedIn', 'nested']);

/** A request's last nested event, when it is exactly the response decodeNode derives back. */
function foldableResponse(ev: SchemeEvent): { status: JsonValue | undefined } | undefined {
  const nested = ev.nested;
  if (ev.type !== 'request' || !nested || nested.length === 0 || ev.time === undefined || ev.duration === undefined) return undefined;
  const r = nested[nested.length - 1];
  if (r.type !== 'response' || r.time !== ev.time + ev.duration || r.duration !== ev.duration) return undefined;
  if (r.importance !== undefined || r.success !== undefined || r.calledFrom !== undefined || r.definedIn !== undefined || r.nested !== undefined) return undefined;
  for (const k of Object.keys(r)) if (!FOLDABLE_KEYS.has(k) && (r as unknown as Record<string, unknown>)[k] !== undefined) return undefined;
  if (ev.tags === undefined ? r.tags !== undefined : !(r.tags && r.tags.length === ev.tags.length && r.tags.every((t, i) => t === ev.tags![i]))) return undefined;
  const keys = Object.keys(r.payload);
  if (keys.length > 1 || (keys.length === 1 && keys[0] !== PAYLOAD_RESPONSE_STATUS)) return undefined;
  if (Object.prototype.hasOwnProperty.call(ev.payload, PAYLOAD_RESPONSE_STATUS)) return undefined;
  // Any JSON value survives as an attribute value (decodeNode copies the attribute back as it is).
  return { status: r.payload[PAYLOAD_RESPONSE_STATUS] };
}

interface Frame {
  list: SchemeEvent[];
  path: string;
  parentSpan: OtlpSpan | undefined;
  parentHash: PathHash;
  parentStartMs: number;
}

function toSpan(enc: EncodedNode, traceId: string, spanId: string, parentSpanId: string | undefined): OtlpSpan {
  // Every field declared up front (undefined ones are left out by JSON.stringify): one shape.
  return {
    traceId, spanId, parentSpanId: parentSpanId || undefined, name: enc.name, kind: enc.kind,
    startTimeUnixNano: msToNanoString(enc.startMs), endTimeUnixNano: msToNanoString(enc.endMs),
    attributes: enc.attributes, events: undefined,
    status: enc.statusMessage ? { code: enc.statusCode, message: enc.statusMessage } : { code: enc.statusCode },
  };
}

/**
 * Would decodeNode's default ordering (a stable sort by start of child spans, then span events)
 * give this order? Exactly when starts never decrease and, at equal starts, no span follows a
 * span event: one linear pass, no allocation.
 */
function needsExplicitOrder(list: SchemeEvent[], fallbackStartMs: number): boolean {
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1], cur = list[i];
    const tp = prev.time ?? fallbackStartMs, tc = cur.time ?? fallbackStartMs;
    if (tc < tp) return true;
    if (tc === tp && isPoint(prev) && !isPoint(cur)) return true;
  }
  return false;
}

function orphanParent(ev: SchemeEvent): string | undefined {
  for (const tag of ev.tags ?? []) {
    if (tag.startsWith(ORPHAN_TAG_PREFIX)) {
      const id = tag.slice(ORPHAN_TAG_PREFIX.length);
      if (/^[0-9a-f]{16}$/.test(id) && id !== '0000000000000000') return id;
    }
  }
  return undefined;
}

/** One validated document → the spans of one trace. Throws ConversionError on what OTLP cannot carry. */
export function documentToResourceSpans(doc: SchemeDocument, options: SchemeToOtlpOptions = {}): { resourceSpans: OtlpResourceSpans; spanCount: number } {
  const canonical = typeof doc.id === 'string' ? canonicalUuidTraceId(doc.id) : undefined;
  const traceId = canonical ?? uuidToTraceId(String(doc.id));
  if (canonical === undefined && !isTraceId(traceId)) throw new ConversionError([{ path: '/id', message: `${JSON.stringify(doc.id)} cannot be a trace id (it must be a UUID and not all zeros)` }]);
  const seed = traceSeed(traceId);
  const resource = documentResource(doc, options.resource);
  const spans: OtlpSpan[] = [];
  const docAttrs: KeyValue[] = [];
  if (doc.version !== 1) docAttrs.push({ key: WDP.version, value: { intValue: String(doc.version) } });
  if (canonical === undefined && doc.id !== traceIdToUuid(traceId)) docAttrs.push({ key: WDP.id, value: { stringValue: doc.id } });

  let minStart = Infinity, maxEnd = -Infinity;
  for (const ev of doc.events) {
    if (ev.time === undefined) continue;
    minStart = Math.min(minStart, ev.time);
    maxEnd = Math.max(maxEnd, ev.time + (ev.duration ?? 0));
  }
  // A document without any time still needs a plausible epoch time in OTLP; the absence is
  // marked on each span (wdp.absent.time), so the value itself never comes back.
  const docStart = Number.isFinite(minStart) ? minStart : TIMELESS_DOCUMENT_START_MS;
  const needsDocumentSpan = doc.events.length === 0 || doc.events.some(isPoint);
  let documentSpan: OtlpSpan | undefined;
  const rootHash: PathHash = { a: seed.a, b: seed.b };
  if (needsDocumentSpan) {
    documentSpan = {
      traceId, spanId: hashToSpanId(childHash({ a: seed.b ^ 0x0d0c0d0c, b: seed.a }, 0x7fffffff)), name: DOCUMENT_SPAN_NAME,
      kind: OtlpSpanKind.INTERNAL, startTimeUnixNano: msToNanoString(docStart),
      endTimeUnixNano: msToNanoString(Number.isFinite(maxEnd) ? maxEnd : docStart),
      attributes: [{ key: WDP.document, value: { boolValue: true } }, ...docAttrs], status: { code: 0 },
    };
    spans.push(documentSpan);
  }

  const stack: Frame[] = [{ list: doc.events, path: '/events', parentSpan: documentSpan, parentHash: rootHash, parentStartMs: docStart }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { list, parentSpan } = frame;
    const explicitOrder = needsExplicitOrder(list, frame.parentStartMs);
    const children: Frame[] = [];
    for (let i = 0; i < list.length; i++) {
      const ev = list[i];
      const point = isPoint(ev);
      const fold = point ? undefined : foldableResponse(ev);
      let enc: EncodedNode;
      try {
        enc = encodeNode(ev, {
          isSpan: !point, fallbackStartMs: frame.parentStartMs, resourceTags: resource.tags,
          response: ev.type === 'request' && !point ? (fold ?? 'absent') : undefined,
        });
      } catch (err) {
        if (err instanceof ValueTooDeepError) throw new ConversionError([{ path: `${frame.path}/${i}/payload`, message: err.message }]);
        throw err;
      }
      if (explicitOrder) enc.attributes.push({ key: WDP.order, value: { intValue: String(i) } });
      if (point) {
        // Root-level point events always have the document span as parent (needsDocumentSpan).
        const target = parentSpan!;
        (target.events ??= []).push({ timeUnixNano: msToNanoString(enc.startMs), name: enc.name, attributes: enc.attributes });
        continue;
      }
      const hash = childHash(frame.parentHash, i);
      let nestedList = ev.nested ?? [];
      if (fold) nestedList = nestedList.slice(0, -1);
      else if (ev.nested !== undefined && ev.nested.length === 0) enc.attributes.push({ key: WDP.nestedEmpty, value: { boolValue: true } });
      if (!parentSpan && docAttrs.length > 0) enc.attributes.push(...docAttrs);
      const parentId = parentSpan ? parentSpan.spanId : orphanParent(ev);
      const span = toSpan(enc, traceId, hashToSpanId(hash), parentId);
      spans.push(span);
      if (nestedList.length > 0) children.push({ list: nestedList, path: `${frame.path}/${i}/nested`, parentSpan: span, parentHash: hash, parentStartMs: enc.startMs });
    }
    // Reverse push keeps the output in document order (pre-order, siblings in order).
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return {
    resourceSpans: {
      resource: { attributes: resource.attributes },
      scopeSpans: [{ scope: { name: SCOPE_NAME }, spans }],
    },
    spanCount: spans.length,
  };
}

/** Validated documents → one OTLP/JSON request. Documents that cannot be converted are reported, the rest converted. */
export function schemeToOtlp(docs: SchemeDocument | SchemeDocument[], options: SchemeToOtlpOptions = {}): SchemeToOtlpResult {
  const list = Array.isArray(docs) ? docs : [docs];
  const resourceSpans: OtlpResourceSpans[] = [];
  const issues: Issue[] = [];
  let spanCount = 0;
  for (let d = 0; d < list.length; d++) {
    try {
      const r = documentToResourceSpans(list[d], options);
      resourceSpans.push(r.resourceSpans);
      spanCount += r.spanCount;
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      for (const issue of err.issues) issues.push({ ...issue, path: (list.length > 1 ? `/${d}` : '') + issue.path });
    }
  }
  return { request: { resourceSpans }, issues, spanCount };
}
