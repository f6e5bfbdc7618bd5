import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { agentLog } from '../runtime/agent-log';
import { countDropped } from '../runtime/export-health';
import type { Redactor } from './redactor';

type MutableSpan = {
  name: string;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes?: Record<string, unknown> }>;
  links: Array<{ attributes?: Record<string, unknown> }>;
  status: { code: number; message?: string };
};

let warned = false;
function warnOnce(what: string, err: unknown): void {
  if (warned) return;
  warned = true;
  agentLog.warn(`redaction failed on a ${what} (${(err as Error)?.message ?? String(err)}); it was dropped on every path (export, dev view, /_profile) rather than shown unredacted; further failures are counted in otel_companion.dropped{reason="redaction_failed"}`);
}

/** Redacts a finished span in place: name, attributes, events, links and status message. */
export function redactSpan(redactor: Redactor, span: ReadableSpan): void {
  const s = span as unknown as MutableSpan;
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

/**
 * Redacts each ended span once, then hands it to every processor behind it (export, dev view).
 * A span that cannot be redacted reaches none of them: it is dropped and counted, never shown or
 * exported half-redacted.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: readonly SpanProcessor[], private readonly redactor: Redactor) {}

  onStart(span: Span, parentContext: Context): void {
    for (let i = 0; i < this.next.length; i++) this.next[i]!.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    try {
      redactSpan(this.redactor, span);
    } catch (err) {
      warnOnce('span', err);
      countDropped('traces', 'redaction_failed', 1);
      return;
    }
    for (let i = 0; i < this.next.length; i++) this.next[i]!.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.next.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.next.map((p) => p.shutdown()));
  }
}

/** Redacts a log record in place, while the SDK still allows changes (inside onEmit). */
export function redactLogRecord(redactor: Redactor, record: ReadWriteLogRecord): void {
  const body = record.body;
  if (typeof body === 'string') {
    const red = redactor.text(body);
    if (red !== body) record.body = red;
  } else if (body !== null && typeof body === 'object') {
    record.body = redactor.value(body) as typeof body;
  }
  redactor.attributesInPlace(record.attributes as Record<string, unknown>);
}

/** Redacts each log record once, before every processor behind it; one that cannot be redacted reaches none. */
export class RedactingLogRecordProcessor implements LogRecordProcessor {
  constructor(private readonly next: readonly LogRecordProcessor[], private readonly redactor: Redactor) {}

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    try {
      redactLogRecord(this.redactor, logRecord);
    } catch (err) {
      warnOnce('log record', err);
      countDropped('logs', 'redaction_failed', 1);
      return;
    }
    for (let i = 0; i < this.next.length; i++) this.next[i]!.onEmit(logRecord, context);
  }

  enabled(options: Parameters<NonNullable<LogRecordProcessor['enabled']>>[0]): boolean {
    return this.next.some((p) => (p.enabled ? p.enabled(options) : true));
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.next.map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.next.map((p) => p.shutdown()));
  }
}
