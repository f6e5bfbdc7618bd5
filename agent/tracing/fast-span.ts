import {
  SpanStatusCode, TraceFlags, type Attributes, type AttributeValue, type Exception, type HrTime, type Link, type Span,
  type SpanContext, type SpanKind, type SpanStatus, type TimeInput,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';

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

  constructor(
    private readonly sink: FastSpanSink,
    public name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
    readonly instrumentationScope: InstrumentationScope,
    startEpochMs?: number,
  ) {
    this.startMs = startEpochMs ?? TIME_ORIGIN + performance.now();
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
// randomness, not for a cryptographic source), written as hex through a byte table (a Buffer's hex
// conversion is a native call per id; a number's toString(16) is slow past 2^30).
const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(i.toString(16).padStart(2, '0'));

function hexWord(): string {
  const w = (Math.random() * 0x100000000) >>> 0;
  return HEX_BYTE[w >>> 24]! + HEX_BYTE[(w >>> 16) & 255]! + HEX_BYTE[(w >>> 8) & 255]! + HEX_BYTE[w & 255]!;
}

export function newTraceId(): string {
  const id = hexWord() + hexWord() + hexWord() + hexWord();
  return id === '00000000000000000000000000000000' ? newTraceId() : id;
}

export function newSpanId(): string {
  const id = hexWord() + hexWord();
  return id === '0000000000000000' ? newSpanId() : id;
}

export const SAMPLED_FLAGS = TraceFlags.SAMPLED;
