import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { spansToScheme, type LogInput } from '../../converters/otlp-to-scheme';
import type { SchemeDocument } from '../../converters/model';
import { agentLog } from '../runtime/agent-log';

/**
 * Collects ended spans per trace and hands over one scheme document per finished trace: when the
 * trace's local root span ends. Spans are keyed by trace id, so nothing of one trace can reach
 * another's document. Bounded: at most `maxTraces` open traces and `maxSpansPerTrace` spans each.
 */
export interface TraceCollectorOptions {
  onDocument(doc: SchemeDocument): void;
  maxTraces?: number;
  maxSpansPerTrace?: number;
}

interface OpenTrace { spans: ReadableSpan[]; logs: LogInput[] }

export class TraceCollector implements SpanProcessor {
  private readonly open = new Map<string, OpenTrace>();
  private readonly maxTraces: number;
  private readonly maxSpans: number;

  constructor(private readonly opts: TraceCollectorOptions) {
    this.maxTraces = opts.maxTraces ?? 500;
    this.maxSpans = opts.maxSpansPerTrace ?? 2000;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    try {
      const traceId = span.spanContext().traceId;
      const { spans } = this.openTrace(traceId);
      const parent = span.parentSpanContext;
      const isLocalRoot = !parent || parent.isRemote;
      // Past the cap, later spans are dropped but the root is always kept (it anchors the tree).
      if (spans.length < this.maxSpans || isLocalRoot) spans.push(span);
      if (isLocalRoot) this.finish(traceId);
    } catch (err) {
      agentLog.debug('devview: span not collected:', (err as Error).message);
    }
  }

  private openTrace(traceId: string): OpenTrace {
    let t = this.open.get(traceId);
    if (!t) {
      if (this.open.size >= this.maxTraces) {
        // Drop the oldest open trace (a trace whose root never ends must not pin memory).
        const oldest = this.open.keys().next().value;
        if (oldest !== undefined) this.open.delete(oldest);
      }
      t = { spans: [], logs: [] };
      this.open.set(traceId, t);
    }
    return t;
  }

  /** Log records emitted inside a span of an open trace (winston through the agent, the logs API). */
  readonly logProcessor: LogRecordProcessor = {
    onEmit: (record: ReadWriteLogRecord) => {
      try {
        const ctx = record.spanContext;
        if (!ctx || record.eventName) return;
        const t = this.openTrace(ctx.traceId);
        if (t.logs.length >= this.maxSpans) return;
        t.logs.push({
          hrTime: record.hrTime, spanContext: { traceId: ctx.traceId, spanId: ctx.spanId },
          severityNumber: record.severityNumber, body: record.body, attributes: { ...record.attributes },
        });
      } catch (err) {
        agentLog.debug('devview: log record not collected:', (err as Error).message);
      }
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };

  private finish(traceId: string): void {
    const open = this.open.get(traceId);
    this.open.delete(traceId);
    if (!open || open.spans.length === 0) return;
    const spans = open.spans;
    const convert = () => {
      try {
        const { documents } = spansToScheme(spans, open.logs);
        for (const doc of documents) this.opts.onDocument(doc);
      } catch (err) {
        agentLog.debug('devview: trace not converted:', (err as Error).message);
      }
    };
    // Resource detectors may still be running for the first traces; their attributes are tags.
    const resource = spans[0].resource as { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };
    if (resource?.asyncAttributesPending && resource.waitForAsyncAttributes) {
      resource.waitForAsyncAttributes().then(convert, convert);
    } else {
      convert();
    }
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.open.clear();
  }
}
