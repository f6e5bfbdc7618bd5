import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { agentLog } from '../runtime/agent-log';
import type { Redactor } from './redactor';

// Set on a span or log record once it is redacted: several exporting processors (OTLP, dev view)
// each get a wrapper, and the work must be done once.
const REDACTED = Symbol.for('otel-companion.redacted');

type Marked = { [REDACTED]?: true };
type MutableSpan = {
  name: string;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
  links: Array<{ attributes?: Record<string, unknown> }>;
  status: { code: number; message?: string };
} & Marked;

let warned = false;
function warnOnce(what: string, err: unknown): void {
  if (warned) return;
  warned = true;
  agentLog.warn(`redaction failed on a ${what} (${(err as Error)?.message ?? String(err)}); it was dropped rather than exported unredacted`);
}

/** Redacts a finished span in place: name, attributes, events, links and status message. */
export function redactSpan(redactor: Redactor, span: ReadableSpan): void {
  const s = span as unknown as MutableSpan;
  if (s[REDACTED]) return;
  s[REDACTED] = true;
  const name = redactor.spanName(s.name);
  if (name !== s.name) s.name = name;
  redactor.attributesInPlace(s.attributes);
  const events = s.events;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    redactor.attributesInPlace(ev.attributes);
    const evName = redactor.text(ev.name);
    if (evName !== ev.name) ev.name = evName;
  }
  const links = s.links;
  for (let i = 0; i < links.length; i++) redactor.attributesInPlace(links[i]!.attributes);
  const message = s.status?.message;
  if (message) {
    const red = redactor.text(message);
    if (red !== message) s.status = { ...s.status, message: red };
  }
}

/** Runs redaction before `next`; a span that cannot be redacted is dropped, never exported raw. */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor, private readonly redactor: Redactor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    try {
      redactSpan(this.redactor, span);
    } catch (err) {
      warnOnce('span', err);
      return;
    }
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

/** Redacts a log record in place, while the SDK still allows changes (inside onEmit). */
export function redactLogRecord(redactor: Redactor, record: ReadWriteLogRecord): void {
  const r = record as ReadWriteLogRecord & Marked;
  if (r[REDACTED]) return;
  r[REDACTED] = true;
  const body = r.body;
  if (typeof body === 'string') {
    const red = redactor.text(body);
    if (red !== body) r.body = red;
  } else if (body !== null && typeof body === 'object') {
    r.body = redactor.value(body) as typeof body;
  }
  redactor.attributesInPlace(r.attributes as Record<string, unknown>);
}

export class RedactingLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly next: LogRecordProcessor, private readonly redactor: Redactor) {}

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    try {
      redactLogRecord(this.redactor, logRecord);
    } catch (err) {
      warnOnce('log record', err);
      return;
    }
    this.next.onEmit(logRecord, context);
  }

  enabled(options: Parameters<NonNullable<LogRecordProcessor['enabled']>>[0]): boolean {
    return this.next.enabled ? this.next.enabled(options) : true;
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}
