import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SendResult } from './otlp-http-sender';
import { TraceBatch, type TraceBatchResource } from './trace-batch';

/** Where the processor tells how exports went (the agent's ExportHealth). */
export interface ExportOutcome {
  /** One export of `spans` spans ended: delivered, or lost. */
  exported(ok: boolean, spans: number, error?: string): void;
  /** Spans refused because the batch was full (the collector is down or slower than the app). */
  refused(spans: number): void;
}

export interface EncodingSpanProcessorOptions {
  readonly resource: TraceBatchResource;
  /** Sends one ExportTraceServiceRequest body. */
  send(body: Uint8Array): Promise<SendResult>;
  /** Stops what send() has in flight (bounded shutdown). */
  abort?(): void;
  readonly outcome: ExportOutcome;
  /** OTEL_BSP_SCHEDULE_DELAY: the longest a span waits before it is sent. */
  readonly scheduleDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans held at most while an export is on its way or failing. */
  readonly maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: a batch this full is sent at once. */
  readonly maxExportBatchSize: number;
}

/**
 * Encode at end(): each sampled span is written as OTLP bytes into the batch the moment it ends
 * (after redaction, which runs in front of every processor), and only bytes are kept until the
 * flush. One export is in flight at a time; the batch keeps filling meanwhile, up to the queue
 * size, and refuses what does not fit (counted). The span objects are garbage as soon as end()
 * returns.
 */
export class EncodingSpanProcessor implements SpanProcessor {
  private readonly batch: TraceBatch;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: EncodingSpanProcessorOptions) {
    this.batch = new TraceBatch(options.resource, { maxSpans: options.maxQueueSize });
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.stopped || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (!this.batch.add(span)) {
      this.options.outcome.refused(1);
      return;
    }
    if (this.batch.spanCount >= this.options.maxExportBatchSize) this.flushSoon();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushSoon();
      }, this.options.scheduleDelayMs);
      this.timer.unref();
    }
  }

  /** Sends what is held, and what comes while it is sent, until the batch is empty. */
  forceFlush(): Promise<void> {
    return this.drain();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.drain();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Abandons what is in flight (the shutdown bound passed): nothing keeps the process alive after this. */
  abort(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.options.abort?.();
  }

  private flushSoon(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.sending) this.sending = this.sendLoop();
  }

  private async drain(): Promise<void> {
    while (this.sending || this.batch.spanCount > 0) {
      if (!this.sending) this.flushSoon();
      await this.sending;
    }
  }

  private async sendLoop(): Promise<void> {
    try {
      // Full batches go one after another; a partial one waits for the schedule.
      // Resource detectors may still be running for the first batches: send them complete.
      const resource = this.options.resource as TraceBatchResource & { waitForAsyncAttributes?: () => Promise<void> };
      if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) await resource.waitForAsyncAttributes().catch(() => undefined);
      while (this.batch.spanCount > 0) {
        const spans = this.batch.spanCount;
        const body = this.batch.take();
        let result: SendResult;
        try {
          result = await this.options.send(body);
        } catch (err) {
          result = { ok: false, error: (err as Error)?.message ?? String(err) };
        }
        this.batch.release(body);
        this.options.outcome.exported(result.ok, spans, result.error);
        if (this.batch.spanCount < this.options.maxExportBatchSize) break;
      }
    } finally {
      this.sending = undefined;
      if (this.batch.spanCount > 0 && this.timer === undefined && !this.stopped) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flushSoon();
        }, this.options.scheduleDelayMs);
        this.timer.unref();
      }
    }
  }
}
