import {
  SpanStatusCode, TraceFlags, type Attributes, type AttributeValue, type Exception, type HrTime, type Link, type Span,
  type SpanContext, type SpanKind, type SpanStatus, type TimeInput,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { SamplingDecision, type ReadableSpan, type SamplingResult, type SpanProcessor, type TimedEvent } from '@opentelemetry/sdk-trace';
import { SPAN_ID_BYTES } from '../runtime/span-id-bytes';

/**
 * What the agent's own spans share: where they go when they end, and the SDK's limits.
 * The processors are the same ones the SDK's TracerProvider has (redaction in front of export and
 * the dev view), so a span made here and one made by any other instrumentation take one path.
 */
export interface FastSpanSink {
  readonly processors: readonly SpanProcessor[];
  readonly resource: Resource;
  readonly attributeValueLengthLimit: number;
  /** The SDK's default (128): further attributes are dropped and counted. */
  readonly attributeCountLimit: number;
}

const NO_EVENTS: TimedEvent[] = [];
const NO_LINKS: Link[] = [];
const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET }) as SpanStatus;

// Epoch time in ms = timeOrigin + performance.now(); both are doubles with sub-µs precision here.
const TIME_ORIGIN = performance.timeOrigin;

function hrTimeOf(epochMs: number): HrTime {
  const seconds = Math.trunc(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) return [seconds + 1, nanos - 1e9];
  if (nanos < 0) nanos = 0;
  return [seconds, nanos];
}

function epochMsOf(time: TimeInput): number {
  if (typeof time === 'number') return time < TIME_ORIGIN / 2 ? TIME_ORIGIN + time : time; // performance.now() or epoch ms
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

function isSimpleValue(value: unknown): value is string | number | boolean {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/**
 * A span made by the agent's own instrumentations (the HTTP server and client spans): the
 * OpenTelemetry API Span for the code that sees it, and a ReadableSpan for the processors, built
 * without the SDK's generic machinery (attribute cleaning twice per start, a context per call,
 * an id generator object). Its attribute object is owned: instrumentations fill it in one shape.
 */
export class FastSpan implements Span, ReadableSpan {
  events: TimedEvent[] = NO_EVENTS;
  links: Link[] = NO_LINKS;
  status: SpanStatus = UNSET;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  private endMs = -1;
  private readonly startMs: number;
  /** The ids as bytes for the encoder (runtime/span-id-bytes.ts); undefined when made from hex only. */
  readonly [SPAN_ID_BYTES]: Uint8Array | undefined;

  constructor(
    private readonly sink: FastSpanSink,
    public name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
    readonly instrumentationScope: InstrumentationScope,
    startEpochMs?: number,
    idBytes?: Uint8Array,
  ) {
    this.startMs = startEpochMs ?? TIME_ORIGIN + performance.now();
    this[SPAN_ID_BYTES] = idBytes;
  }

  get resource(): Resource {
    return this.sink.resource;
  }

  get startTime(): HrTime {
    return hrTimeOf(this.startMs);
  }

  get endTime(): HrTime {
    return this.endMs < 0 ? [0, 0] : hrTimeOf(this.endMs);
  }

  get duration(): HrTime {
    if (this.endMs < 0) return [-1, -1];
    const ms = Math.max(0, this.endMs - this.startMs);
    const seconds = Math.trunc(ms / 1000);
    return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
  }

  /** Seconds from start to end (for the duration histograms). */
  get durationSeconds(): number {
    return this.endMs < 0 ? 0 : Math.max(0, this.endMs - this.startMs) / 1000;
  }

  get ended(): boolean {
    return this.endMs >= 0;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  isRecording(): boolean {
    return this.endMs < 0;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.endMs >= 0 || value === undefined || value === null || key.length === 0) return this;
    const attrs = this.attributes as Record<string, AttributeValue>;
    if (!Object.hasOwn(attrs, key) && Object.keys(attrs).length >= this.sink.attributeCountLimit) {
      this.droppedAttributesCount++;
      return this;
    }
    if (typeof value === 'string') {
      const limit = this.sink.attributeValueLengthLimit;
      attrs[key] = value.length > limit ? value.substring(0, limit) : value;
    } else if (isSimpleValue(value) || Array.isArray(value)) {
      attrs[key] = value;
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.endMs >= 0) return this;
    const isTime = typeof attributesOrTime === 'number' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    const attributes = isTime ? {} : { ...(attributesOrTime as Attributes | undefined) };
    const at = isTime ? (attributesOrTime as TimeInput) : time;
    const event: TimedEvent = { name, attributes, time: hrTimeOf(at === undefined ? TIME_ORIGIN + performance.now() : epochMsOf(at)), droppedAttributesCount: 0 };
    if (this.events === NO_EVENTS) this.events = [event];
    else this.events.push(event);
    return this;
  }

  addLink(link: Link): this {
    if (this.endMs >= 0) return this;
    if (this.links === NO_LINKS) this.links = [link];
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.endMs >= 0) return this;
    // As the SDK: OK is final, UNSET never overrides.
    if (this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (this.endMs < 0) this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      const e = exception as { name?: string; code?: string | number; message?: string; stack?: string };
      if (e.code) attributes['exception.type'] = String(e.code);
      else if (e.name) attributes['exception.type'] = e.name;
      if (e.message) attributes['exception.message'] = e.message;
      if (e.stack) attributes['exception.stacktrace'] = e.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message']) this.addEvent('exception', attributes, time);
  }

  end(endTime?: TimeInput): void {
    if (this.endMs >= 0) return;
    this.endMs = endTime === undefined ? TIME_ORIGIN + performance.now() : epochMsOf(endTime);
    const processors = this.sink.processors;
    for (let i = 0; i < processors.length; i++) {
      try {
        processors[i]!.onEnd(this);
      } catch {
        // a processor must not break the app's request
      }
    }
  }
}

// Ids: random 32-bit words from Math.random, as the SDK's RandomIdGenerator (W3C asks for
// randomness, not for a cryptographic source). The agent's spans keep them as bytes
// (SPAN_ID_BYTES: the encoder copies them) and as hex for the API's SpanContext, written through a
// byte table (a Buffer's hex conversion is a native call per id; a number's toString(16) is slow
// past 2^30).
const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

function randomWords(bytes: Uint8Array, at: number, words: number): void {
  for (let end = at + words * 4; at < end; at += 4) {
    const w = (Math.random() * 0x100000000) >>> 0;
    bytes[at] = w >>> 24;
    bytes[at + 1] = (w >>> 16) & 255;
    bytes[at + 2] = (w >>> 8) & 255;
    bytes[at + 3] = w & 255;
  }
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Lower-case hex of bytes[from, to). */
export function hexOf(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += HEX_BYTE[bytes[i]!]!;
  return out;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 0;
}

/** Writes a hex id (already validated by isSpanContextValid) as bytes at `at`. */
function putHex(bytes: Uint8Array, at: number, hex: string): void {
  for (let i = 0; i < hex.length; i += 2) bytes[at + i / 2] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
}

/**
 * The ids of a new span as bytes (SPAN_ID_BYTES): its trace id (the parent's, or a new one), a new
 * span id, and the parent's span id when it has a parent. `parent` is a valid parent span context;
 * `parentBytes` the parent span's own id bytes when it is one of the agent's spans (copied, not
 * parsed again). The hex for the SpanContext: `hexOf(ids, 0, 16)` (new trace) and `hexOf(ids, 16, 24)`.
 */
export function newSpanIdBytes(parent: SpanContext | undefined, parentBytes: Uint8Array | undefined): Uint8Array {
  const ids = new Uint8Array(parent === undefined ? 24 : 32);
  if (parent === undefined) {
    do randomWords(ids, 0, 4); while (allZero(ids, 0, 16));
  } else if (parentBytes !== undefined) {
    for (let i = 0; i < 16; i++) ids[i] = parentBytes[i]!;
    for (let i = 0; i < 8; i++) ids[24 + i] = parentBytes[16 + i]!;
  } else {
    putHex(ids, 0, parent.traceId);
    putHex(ids, 24, parent.spanId);
  }
  do randomWords(ids, 16, 2); while (allZero(ids, 16, 24));
  return ids;
}

/**
 * The SpanContext of a new span of the agent's: its trace id (the parent's, or the new one in
 * `ids`), its span id from `ids`, the sampler's decision as trace flags, and the sampler's trace
 * state or else the parent's.
 */
export function newSpanContext(traceId: string, ids: Uint8Array, sampling: SamplingResult, parent: SpanContext | undefined): SpanContext {
  return {
    traceId,
    spanId: hexOf(ids, 16, 24),
    traceFlags: sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    traceState: sampling.traceState ?? parent?.traceState,
  };
}

/** The id bytes of a span, when it is one of the agent's. */
export function idBytesOf(span: unknown): Uint8Array | undefined {
  return span instanceof FastSpan ? span[SPAN_ID_BYTES] : undefined;
}

export const SAMPLED_FLAGS = TraceFlags.SAMPLED;
