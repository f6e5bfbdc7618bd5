import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { anyToJson, attributeToAny, setOwn, ValueTooDeepError } from './any-value';
import { idProblem, readSpanKey, spanKey, traceIdToUuid } from './ids';
import { decodeNode, filterBit, filterBit2, ORPHAN_TAG_PREFIX, PAYLOAD_RESPONSE_STATUS, WDP, type DecodedNode, type NodeRecord } from './mapping';
import type { Issue, Payload, SchemeDocument, SchemeEvent } from './model';
import type { AnyValue, KeyValue, OtlpSpan } from './otlp-types';
import { wrongUnitMessage } from './time-units';
import { describe } from './describe';
import { addRecord, beginIndex, findRecord } from './span-index';

/**
 * Spans → scheme documents, one per trace. Inputs: OTLP/JSON ExportTraceServiceRequest (what
 * /v1/traces receives and the collector's file exporter writes), the same decoded from protobuf,
 * or SDK ReadableSpans. Everything is iterative: the span tree is assembled from parent links
 * with maps, never by recursion.
 */

export interface SpanRecord extends NodeRecord {
  readonly isSpan: true;
  /** Tree assembly scratch (set by buildDocument). */
  decoded?: DecodedNode;
  children?: SpanRecord[];
  reached?: boolean;
  traceId: string;
  spanId: string;
  /** The span id as integers (ids.ts spanKey): the tree is assembled on these. */
  idA: number;
  idB: number;
  idC: number;
  /** '' for a root. */
  parentSpanId: string;
  /** The parent's id as integers (parentA is -1 for a root). */
  parentA: number;
  parentB: number;
  parentC: number;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  /** Nanoseconds past startMs (0..999,999): with startMs, orders siblings exactly. */
  startSub: number;
  attributes: KeyValue[];
  events: Array<{ name: string; timeMs: number; timeSub: number; attributes: KeyValue[] }>;
  statusCode: number;
  statusMessage: string;
  resourceTags: string[];
  /** JSON path of the span in the input, for issues. */
  path: string;
}

export interface OtlpToSchemeResult {
  documents: SchemeDocument[];
  issues: Issue[];
  spanCount: number;
}

// ---- time -----------------------------------------------------------------------------------

interface NanoTime { ms: number; sub: number }

/** Nanoseconds past the millisecond of the last time nanosToMs read (0..999,999). */
let nanosSub = 0;

/** A unix-nano value (decimal string or number) → ms (floored) and a sort key; or an error text. */
export function parseNanos(value: unknown): NanoTime | string {
  const ms = nanosToMs(value);
  return Number.isNaN(ms) ? nanosProblem(value) : { ms, sub: nanosSub };
}

/**
 * The milliseconds of a unix-nano value (nanosSub set), or NaN where parseNanos reports a
 * problem. A number, not an object: nothing is allocated per time read.
 */
function nanosToMs(value: unknown): number {
  if (typeof value === 'string') {
    // Digits checked and both parts computed in one pass (no slices, no Number parsing): the
    // millisecond part has at most 14 digits, exact in a double.
    const n = value.length;
    if (n === 0 || n > 20) return NaN;
    const split = n - 6;
    let ms = 0, sub = 0;
    for (let i = 0; i < n; i++) {
      const d = value.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return NaN;
      if (i < split) ms = ms * 10 + d; else sub = sub * 10 + d;
    }
    // The plausible window (see time-units.ts), checked on ms.
    if (!(ms >= 1e11 && ms < 1e14)) return NaN;
    nanosSub = sub;
    return ms;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || wrongUnitMessage(value, 'ns') !== undefined) return NaN;
  const ms = Math.floor(value / 1e6);
  nanosSub = Math.max(0, value - ms * 1e6);
  return ms;
}

/** Why nanosToMs gave NaN for `value`. */
function nanosProblem(value: unknown): string {
  if (typeof value === 'string') {
    if (!/^[0-9]{1,20}$/.test(value)) return `must be unix nanoseconds as a decimal string, got ${JSON.stringify(value.slice(0, 40))}`;
    return wrongUnitMessage(Number(value), 'ns') ?? `must be unix nanoseconds, got ${value}`;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return `must be unix nanoseconds, got ${value}`;
    return wrongUnitMessage(value, 'ns')!;
  }
  return `must be unix nanoseconds (a decimal string), got ${describe(value)}`;
}

// ---- OTLP/JSON reading ----------------------------------------------------------------------

function resourceTagsOf(attributes: unknown): string[] {
  const tags: string[] = [];
  if (!Array.isArray(attributes)) return Object.freeze(tags) as string[];
  for (const kv of attributes as KeyValue[]) {
    if (!kv || typeof kv.key !== 'string') continue;
    let value: unknown;
    try { value = anyToJson(kv.value); } catch { continue; }
    tags.push(`${kv.key}:${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return Object.freeze(tags) as string[];
}

/** Lookup filter of the last list attributesAt returned (undefined: not computed). Read at once. */
let lastFilter: number | undefined;
let lastHasWdp = false;
let lastDistinct = false;

/** `base + suffix` is the JSON path, joined only when there is something to report. */
function attributesAt(value: unknown, base: string, suffix: string, issues: Issue[]): KeyValue[] {
  lastFilter = undefined;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) { issues.push({ path: base + suffix, message: `must be an array of {key, value}, got ${describe(value)}` }); return []; }
  // Well-formed lists (all of them, in practice) are used as they are: no copy. The same pass
  // computes the lookup filter decodeNode would otherwise compute again.
  // A second filter proves the keys distinct (a key with a new bit in either filter is new), so
  // decodeNode need not look for a key already taken.
  let valid = true, filter = 0, filter2 = 0, hasWdp = false, distinct = true;
  for (let i = 0; i < value.length && valid; i++) {
    const kv = value[i] as KeyValue;
    valid = !!kv && typeof kv === 'object' && typeof kv.key === 'string' && (kv.value === undefined || (kv.value !== null && typeof kv.value === 'object'));
    if (valid) {
      const key = kv.key;
      const bit = 1 << filterBit(key);
      if (key.length === 0) distinct = false;
      else {
        const bit2 = 1 << filterBit2(key);
        if ((filter & bit) !== 0 && (filter2 & bit2) !== 0) distinct = false;
        filter2 |= bit2;
      }
      filter |= bit;
      if (!hasWdp && key.charCodeAt(0) === 119 && key.startsWith('wdp.')) hasWdp = true;
    }
  }
  if (valid) {
    lastFilter = filter;
    lastHasWdp = hasWdp;
    lastDistinct = distinct;
    return value as KeyValue[];
  }
  const out: KeyValue[] = [];
  for (let i = 0; i < value.length; i++) {
    const kv = value[i] as KeyValue;
    if (!kv || typeof kv !== 'object' || typeof kv.key !== 'string') { issues.push({ path: `${base}${suffix}/${i}`, message: 'must be {key: string, value: AnyValue}' }); continue; }
    if (kv.value !== undefined && (kv.value === null || typeof kv.value !== 'object')) { issues.push({ path: `${base}${suffix}/${i}/value`, message: `must be an AnyValue object, got ${describe(kv.value)}` }); continue; }
    out.push(kv);
  }
  return out;
}

const KIND_ENUM_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
};
const STATUS_ENUM_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function enumValue(value: unknown, names: Record<string, number>, max: number): number | undefined {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max) return value;
  if (typeof value === 'string' && Object.hasOwn(names, value)) return names[value];
  return undefined;
}

/** The last valid trace id read, and its lower-case form (shared by the records of one trace). */
let lastValidTraceId: unknown;
let lastTraceId = '';

/** Events of a span that has none (OTLP records only; never written to). */
const NO_EVENTS = Object.freeze([]) as unknown as SpanRecord['events'];

/** One OTLP span → a SpanRecord, or undefined (with issues) when it cannot be used. */
function readSpan(span: OtlpSpan, path: string, resourceTags: string[], issues: Issue[]): SpanRecord | undefined {
  if (!span || typeof span !== 'object' || Array.isArray(span)) { issues.push({ path, message: `must be a span object, got ${describe(span)}` }); return undefined; }
  const before = issues.length;
  // Spans of one trace arrive together: an id equal to the last valid one needs no check.
  // The records of one trace share its id string, so grouping them compares pointers.
  if (span.traceId !== lastValidTraceId) {
    const traceProblem = idProblem(span.traceId, 32);
    if (traceProblem) issues.push({ path: `${path}/traceId`, message: traceProblem });
    else {
      lastValidTraceId = span.traceId;
      lastTraceId = span.traceId.toLowerCase();
    }
  }
  let spanId = '';
  // (Optimized code copies in toLowerCase even when nothing changes.)
  if (typeof span.spanId === 'string' && readSpanKey(span.spanId)) spanId = spanKey.upperCase ? span.spanId.toLowerCase() : span.spanId;
  else issues.push({ path: `${path}/spanId`, message: idProblem(span.spanId, 16)! });
  const idA = spanKey.a, idB = spanKey.b, idC = spanKey.c;
  let parentSpanId = '';
  if (span.parentSpanId !== undefined && span.parentSpanId !== '' && span.parentSpanId !== null) {
    if (typeof span.parentSpanId === 'string' && readSpanKey(span.parentSpanId)) parentSpanId = spanKey.upperCase ? span.parentSpanId.toLowerCase() : span.parentSpanId;
    // An all-zero parent is what some SDKs send for "no parent": a root, documented repair.
    else if (typeof span.parentSpanId !== 'string' || !/^0+$/.test(span.parentSpanId)) {
      issues.push({ path: `${path}/parentSpanId`, message: idProblem(span.parentSpanId, 16)! });
    }
  }
  if (typeof span.name !== 'string') issues.push({ path: `${path}/name`, message: `must be a string, got ${describe(span.name)}` });
  const kind = enumValue(span.kind, KIND_ENUM_NAMES, 5);
  if (kind === undefined) issues.push({ path: `${path}/kind`, message: `must be a span kind 0..5, got ${describe(span.kind)}` });
  const startMs = nanosToMs(span.startTimeUnixNano), startSub = nanosSub;
  if (Number.isNaN(startMs)) issues.push({ path: `${path}/startTimeUnixNano`, message: nanosProblem(span.startTimeUnixNano) });
  const endMs = nanosToMs(span.endTimeUnixNano);
  if (Number.isNaN(endMs)) issues.push({ path: `${path}/endTimeUnixNano`, message: nanosProblem(span.endTimeUnixNano) });
  else if (!Number.isNaN(startMs) && (endMs < startMs || (endMs === startMs && nanosSub < startSub))) issues.push({ path: `${path}/endTimeUnixNano`, message: 'is before startTimeUnixNano' });
  const status = span.status ?? {};
  const statusCode = enumValue(status.code, STATUS_ENUM_NAMES, 2);
  if (statusCode === undefined) issues.push({ path: `${path}/status/code`, message: `must be 0 (unset), 1 (ok) or 2 (error), got ${describe(status.code)}` });
  const attributes = attributesAt(span.attributes, path, '/attributes', issues);
  const attributeFilter = lastFilter, attributeHasWdp = lastHasWdp, attributesDistinct = lastFilter !== undefined && lastDistinct;
  let events = NO_EVENTS;
  if (span.events !== undefined && span.events !== null && !(Array.isArray(span.events) && span.events.length === 0)) {
    events = [];
    if (!Array.isArray(span.events)) issues.push({ path: `${path}/events`, message: `must be an array, got ${describe(span.events)}` });
    else {
      for (let i = 0; i < span.events.length; i++) {
        const e = span.events[i];
        const epath = `${path}/events/${i}`;
        if (!e || typeof e !== 'object' || typeof e.name !== 'string') { issues.push({ path: epath, message: 'must be a span event {timeUnixNano, name, attributes}' }); continue; }
        const timeMs = nanosToMs(e.timeUnixNano);
        if (Number.isNaN(timeMs)) { issues.push({ path: `${epath}/timeUnixNano`, message: nanosProblem(e.timeUnixNano) }); continue; }
        events.push({ name: e.name, timeMs, timeSub: nanosSub, attributes: attributesAt(e.attributes, epath, '/attributes', issues) });
      }
    }
  }
  if (issues.length > before) return undefined;
  return {
    // Scratch fields declared up front: one object shape for every record.
    decoded: undefined, children: undefined, reached: false,
    isSpan: true, traceId: lastTraceId, spanId, idA, idB, idC,
    parentSpanId, parentA: parentSpanId ? spanKey.a : -1, parentB: spanKey.b, parentC: spanKey.c, name: span.name, kind: kind!,
    startMs, endMs, startSub, attributes, events, statusCode: statusCode!,
    statusMessage: typeof status.message === 'string' ? status.message : '', resourceTags, path, attributeFilter, attributeHasWdp, attributesDistinct,
  };
}

/**
 * Reads every span of an OTLP/JSON ExportTraceServiceRequest. Bad spans are reported and skipped.
 * With `decode`, each span is also mapped to its event (decodeNode) while the span is still in
 * the CPU cache, rather than in buildDocument after the whole request was read (cachegrind counts
 * a sixth fewer L1 data misses for the conversion of bench:converters' input); the next
 * buildDocument of the records takes that event.
 */
export function readOtlpRequest(request: unknown, issues: Issue[], decode = false): SpanRecord[] {
  const records: SpanRecord[] = [];
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    issues.push({ path: '', message: `must be an OTLP ExportTraceServiceRequest object, got ${describe(request)}` });
    return records;
  }
  const rs = (request as { resourceSpans?: unknown }).resourceSpans;
  if (rs === undefined) { issues.push({ path: '/resourceSpans', message: 'is required (an OTLP/JSON trace request)' }); return records; }
  if (!Array.isArray(rs)) { issues.push({ path: '/resourceSpans', message: `must be an array, got ${describe(rs)}` }); return records; }
  for (let r = 0; r < rs.length; r++) {
    const res = rs[r] as { resource?: { attributes?: unknown }; scopeSpans?: unknown };
    const rpath = `/resourceSpans/${r}`;
    if (!res || typeof res !== 'object') { issues.push({ path: rpath, message: `must be an object, got ${describe(res)}` }); continue; }
    const tags = resourceTagsOf(res.resource?.attributes);
    if (res.scopeSpans === undefined) continue;
    if (!Array.isArray(res.scopeSpans)) { issues.push({ path: `${rpath}/scopeSpans`, message: `must be an array, got ${describe(res.scopeSpans)}` }); continue; }
    for (let s = 0; s < res.scopeSpans.length; s++) {
      const ss = res.scopeSpans[s] as { spans?: unknown };
      const spath = `${rpath}/scopeSpans/${s}`;
      if (!ss || typeof ss !== 'object') { issues.push({ path: spath, message: `must be an object, got ${describe(ss)}` }); continue; }
      if (ss.spans === undefined) continue;
      if (!Array.isArray(ss.spans)) { issues.push({ path: `${spath}/spans`, message: `must be an array, got ${describe(ss.spans)}` }); continue; }
      const spansPath = `${spath}/spans/`;
      for (let i = 0; i < ss.spans.length; i++) {
        const rec = readSpan(ss.spans[i] as OtlpSpan, spansPath + i, tags, issues);
        if (rec) {
          // A value too deep to map is left for buildDocument to meet again and report per trace.
          if (decode) try { rec.decoded = decodeNode(rec); } catch (err) { if (!(err instanceof ValueTooDeepError)) throw err; }
          records.push(rec);
        }
      }
    }
  }
  return records;
}

// ---- SDK spans ------------------------------------------------------------------------------

function hrToMs(t: readonly [number, number]): number {
  return t[0] * 1000 + Math.floor(t[1] / 1e6);
}
function hrToSub(t: readonly [number, number]): number {
  return t[1] % 1e6;
}
function sdkAttributes(attrs: Record<string, unknown> | undefined): KeyValue[] {
  const out: KeyValue[] = [];
  if (!attrs) return out;
  for (const key of Object.keys(attrs)) if (attrs[key] !== undefined) out.push({ key, value: attributeToAny(attrs[key]) });
  return out;
}

/** SDK ReadableSpans (in process) → SpanRecords. */
export function readSdkSpans(spans: readonly ReadableSpan[], issues: Issue[]): SpanRecord[] {
  const out: SpanRecord[] = [];
  const tagCache = new Map<unknown, string[]>();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const path = `/${i}`;
    const ctx = s.spanContext();
    const start = s.startTime, end = s.endTime;
    if (!Number.isFinite(start[0]) || !Number.isFinite(start[1]) || !Number.isFinite(end[0]) || !Number.isFinite(end[1])) {
      issues.push({ path: `${path}/startTime`, message: `span "${s.name}" has a non-finite time` });
      continue;
    }
    let tags = tagCache.get(s.resource);
    if (!tags) {
      tags = [];
      for (const [k, v] of Object.entries(s.resource?.attributes ?? {})) {
        if (v !== undefined) tags.push(`${k}:${typeof v === 'string' ? v : JSON.stringify(v)}`);
      }
      Object.freeze(tags);
      tagCache.set(s.resource, tags);
    }
    readSpanKey(ctx.spanId);
    const idA = spanKey.a, idB = spanKey.b, idC = spanKey.c;
    const parent = s.parentSpanContext?.spanId;
    const parentSpanId = parent && !/^0+$/.test(parent) ? parent : '';
    if (parentSpanId) readSpanKey(parentSpanId);
    out.push({
      decoded: undefined, children: undefined, reached: false,
      isSpan: true, traceId: ctx.traceId, spanId: ctx.spanId, idA, idB, idC,
      parentSpanId, parentA: parentSpanId ? spanKey.a : -1, parentB: spanKey.b, parentC: spanKey.c,
      name: s.name, kind: s.kind + 1, startMs: hrToMs(start), endMs: hrToMs(end), startSub: hrToSub(start),
      attributes: sdkAttributes(s.attributes as Record<string, unknown>),
      events: s.events.map((e) => ({ name: e.name, timeMs: hrToMs(e.time), timeSub: hrToSub(e.time), attributes: sdkAttributes(e.attributes as Record<string, unknown>) })),
      statusCode: s.status.code, statusMessage: s.status.message ?? '', resourceTags: tags, path,
      attributeFilter: undefined, attributeHasWdp: undefined, attributesDistinct: undefined,
    });
  }
  return out;
}

// ---- tree assembly --------------------------------------------------------------------------

interface Item { event: SchemeEvent; ms: number; sub: number; order?: number }

function ordered(items: Item[]): SchemeEvent[] {
  if (items.length === 1) return [items[0].event];
  if (items.some((i) => i.order !== undefined)) {
    items.sort((a, b) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER));
  } else {
    items.sort((a, b) => a.ms - b.ms || a.sub - b.sub);
  }
  const out = new Array<SchemeEvent>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = items[i].event;
  return out;
}

/**
 * The child spans' events when the kids are already in the default order (by start, no
 * wdp.order, no document span among them): what sorting would give, without sorting. Else undefined.
 */
function kidsInOrder(kids: SpanRecord[] | undefined): SchemeEvent[] | undefined {
  if (kids === undefined) return [];
  const out = new Array<SchemeEvent>(kids.length);
  let lastMs = -Infinity, lastSub = 0;
  for (let i = 0; i < kids.length; i++) {
    const kid = kids[i], d = kid.decoded!;
    if (d.order !== undefined || d.isDocument || kid.startMs < lastMs || (kid.startMs === lastMs && kid.startSub < lastSub)) return undefined;
    lastMs = kid.startMs;
    lastSub = kid.startSub;
    out[i] = d.event;
  }
  return out;
}

function spanEventItems(rec: SpanRecord): Item[] {
  const items: Item[] = [];
  for (const e of rec.events) {
    const d = decodeNode({
      name: e.name, isSpan: false, kind: 0, startMs: e.timeMs, endMs: e.timeMs, attributes: e.attributes,
      statusCode: 0, statusMessage: '', resourceTags: rec.resourceTags,
    });
    items.push({ event: d.event, ms: e.timeMs, sub: e.timeSub, order: d.order });
  }
  return items;
}

/** The spans of one trace → one document. */
export function buildDocument(traceId: string, records: SpanRecord[], issues: Issue[]): SchemeDocument {
  // Scratch state lives on the records (no Map per relation); reset it, records may be rebuilt.
  beginIndex(records, records.length);
  const spans: SpanRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    rec.children = undefined;
    rec.reached = false;
    const first = addRecord(i) as SpanRecord | undefined;
    if (first) { issues.push({ path: `${rec.path}/spanId`, message: `duplicate span id ${rec.spanId} (first at ${first.path}); this span is skipped` }); continue; }
    spans.push(rec);
  }
  const roots: SpanRecord[] = [];
  for (const rec of spans) {
    const parent = rec.parentA >= 0 && !isOwnParent(rec) ? parentOf(rec) : undefined;
    if (parent) {
      (parent.children ??= []).push(rec);
    } else {
      if (rec.parentA >= 0 && isOwnParent(rec)) issues.push({ path: `${rec.path}/parentSpanId`, message: 'is the span\'s own id (a parent cycle); the span is attached at the root' });
      roots.push(rec);
    }
  }
  // Spans not reachable from a root sit on parent cycles: cut each cycle at its earliest span.
  let reachedCount = 0;
  const mark = (from: SpanRecord[]) => {
    const stack = from.slice();
    while (stack.length > 0) {
      const rec = stack.pop()!;
      if (rec.reached) continue;
      rec.reached = true;
      reachedCount++;
      if (rec.children) for (const k of rec.children) stack.push(k);
    }
  };
  mark(roots);
  if (reachedCount < spans.length) {
    const unreached = spans.filter((s) => !s.reached).sort((a, b) => a.startMs - b.startMs || a.startSub - b.startSub);
    for (const rec of unreached) {
      if (rec.reached) continue;
      issues.push({ path: `${rec.path}/parentSpanId`, message: `parent cycle through span ${rec.parentSpanId}; the span is attached at the root` });
      const siblings = parentOf(rec)!.children!;
      siblings.splice(siblings.indexOf(rec), 1);
      roots.push(rec);
      mark([rec]);
    }
  }

  // A SpanRecord is a NodeRecord. Events are changed below (nesting, tags): each build decodes
  // afresh, unless the reader has just done it (readOtlpRequest with decode).
  for (const rec of spans) rec.decoded ??= decodeNode(rec);
  for (const rec of spans) {
    const d = rec.decoded!;
    const kids = rec.children;
    if (kids === undefined && rec.events.length === 0 && !d.derivesResponse) {
      if (d.nestedEmpty) d.event.nested = [];
      continue;
    }
    let nested = rec.events.length === 0 ? kidsInOrder(kids) : undefined;
    if (nested === undefined) {
      // Child spans first, then span events, as scheme-to-otlp expects for its default order.
      const items: Item[] = [];
      if (kids) for (const kid of kids) if (!kid.decoded!.isDocument) items.push({ event: kid.decoded!.event, ms: kid.startMs, sub: kid.startSub, order: kid.decoded!.order });
      if (rec.events.length > 0) items.push(...spanEventItems(rec));
      nested = ordered(items);
    }
    const ev = d.event;
    if (d.derivesResponse && ev.time !== undefined && ev.duration !== undefined) {
      const payload: Payload = {};
      if (d.responseStatus !== undefined) setOwn(payload, PAYLOAD_RESPONSE_STATUS, anyToJson(d.responseStatus as AnyValue));
      const response: SchemeEvent = {
        // Resource tags are one frozen array shared by every event; other tags are copied.
        type: 'response', payload, tags: d.tagsFromResource ? ev.tags : ev.tags?.slice(), importance: undefined, time: ev.time + ev.duration, duration: ev.duration,
        success: undefined, calledFrom: undefined, definedIn: undefined, nested: undefined,
      };
      nested.push(response);
    }
    if (nested.length > 0 || d.nestedEmpty) ev.nested = nested;
  }

  let version: number | undefined;
  let docId: string | undefined;
  const top: Item[] = [];
  const docTop: SchemeEvent[] = [];
  for (const rec of roots) {
    const d = rec.decoded!;
    version ??= d.version;
    docId ??= d.docId;
    if (d.isDocument) {
      const items: Item[] = [];
      for (const kid of rec.children ?? []) items.push({ event: kid.decoded!.event, ms: kid.startMs, sub: kid.startSub, order: kid.decoded!.order });
      items.push(...spanEventItems(rec));
      docTop.push(...ordered(items));
      continue;
    }
    if (rec.parentA >= 0 && !hasExplicitTags(rec)) {
      d.event.tags = [...(d.event.tags ?? []), ORPHAN_TAG_PREFIX + rec.parentSpanId];
    }
    top.push({ event: d.event, ms: rec.startMs, sub: rec.startSub, order: d.order });
  }
  const events = docTop.length > 0 ? docTop.concat(ordered(top)) : ordered(top);
  for (const rec of records) { rec.children = undefined; rec.decoded = undefined; }
  return { id: docId ?? traceIdToUuid(traceId), version: version ?? 1, events };
}

function isOwnParent(rec: SpanRecord): boolean {
  return rec.parentA === rec.idA && rec.parentB === rec.idB && rec.parentC === rec.idC && (rec.idC >= 0 || rec.parentSpanId === rec.spanId);
}

/** The record's parent among those indexed by buildDocument. */
function parentOf(rec: SpanRecord): SpanRecord | undefined {
  return findRecord(rec.parentA, rec.parentB, rec.parentC, rec.parentSpanId) as SpanRecord | undefined;
}

function hasExplicitTags(rec: SpanRecord): boolean {
  for (const kv of rec.attributes) if (kv.key === 'wdp.tags' || kv.key === 'wdp.event') return true;
  return false;
}

/** Groups span records by trace (first-seen order) and builds one document each. */
export function recordsToScheme(records: SpanRecord[], issues: Issue[]): SchemeDocument[] {
  const traces = new Map<string, SpanRecord[]>();
  // Spans of one trace mostly come in a row: only a change of trace costs a lookup.
  let lastId: string | undefined, list: SpanRecord[] = [];
  for (const rec of records) {
    if (rec.traceId !== lastId) {
      lastId = rec.traceId;
      const known = traces.get(lastId);
      if (known) list = known;
      else traces.set(lastId, (list = []));
    }
    list.push(rec);
  }
  const docs: SchemeDocument[] = [];
  for (const [traceId, list] of traces) {
    try {
      docs.push(buildDocument(traceId, list, issues));
    } catch (err) {
      if (!(err instanceof ValueTooDeepError)) throw err;
      issues.push({ path: list[0].path, message: `trace ${traceId}: ${err.message}` });
    }
  }
  return docs;
}

/** OTLP/JSON ExportTraceServiceRequest (parsed) → one document per trace. */
export function otlpToScheme(request: unknown): OtlpToSchemeResult {
  const issues: Issue[] = [];
  const records = readOtlpRequest(request, issues, true);
  return { documents: recordsToScheme(records, issues), issues, spanCount: records.length };
}

/** What spansToScheme needs of an SDK log record (ReadableLogRecord fits). */
export interface LogInput {
  readonly hrTime: readonly [number, number];
  readonly spanContext?: { traceId: string; spanId: string };
  readonly severityNumber?: number;
  readonly body?: unknown;
  readonly eventName?: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * SDK ReadableSpans (and, optionally, the log records emitted inside them) → one document per
 * trace. A log record becomes a `log` event in its span, with `importance` from its severity
 * number (syslog ladder, by range). Records with an event name are skipped: the agent's business
 * events are span events already. Records outside the given spans are ignored.
 */
export function spansToScheme(spans: readonly ReadableSpan[], logRecords: readonly LogInput[] = []): OtlpToSchemeResult {
  const issues: Issue[] = [];
  const records = readSdkSpans(spans, issues);
  if (logRecords.length > 0) attachLogs(records, logRecords);
  return { documents: recordsToScheme(records, issues), issues, spanCount: records.length };
}

function attachLogs(records: SpanRecord[], logRecords: readonly LogInput[]): void {
  const bySpan = new Map<string, SpanRecord>();
  for (const r of records) bySpan.set(r.spanId, r);
  for (const log of logRecords) {
    if (log.eventName || !log.spanContext) continue;
    const span = bySpan.get(log.spanContext.spanId);
    if (!span || span.traceId !== log.spanContext.traceId) continue;
    const attributes = sdkAttributes(log.attributes);
    attributes.unshift({ key: WDP.type, value: { stringValue: 'log' } });
    if (log.severityNumber) attributes.push({ key: WDP.severityNumber, value: { intValue: String(log.severityNumber) } });
    const body = typeof log.body === 'string' ? log.body : log.body === undefined ? '' : JSON.stringify(log.body);
    span.events.push({ name: body, timeMs: hrToMs(log.hrTime), timeSub: hrToSub(log.hrTime), attributes });
  }
}
