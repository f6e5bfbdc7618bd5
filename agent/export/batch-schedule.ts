import { TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SendResult } from './otlp-http-sender';

/** Where a batching processor tells how exports went (the agent's ExportHealth). */
export interface ExportOutcome {
  /** One export of `items` items ended: delivered, or lost. */
  exported(ok: boolean, items: number, error?: string): void;
  /** Items refused because the batch was full (the collector is down or slower than the app). */
  refused(items: number): void;
}

/** What a batching processor holds between exports: items, or already their bytes. */
export interface PendingBatch<T, Body> {
  /** Takes the item in; false when it does not fit (the schedule counts it as refused). */
  add(item: T): boolean;
  /** Items held. */
  readonly size: number;
  /** Removes what one export sends: its body, and how many items that is. */
  take(): { body: Body; items: number };
  /** The body was sent (or given up): its memory may be reused. */
  release?(body: Body): void;
}

export interface BatchScheduleOptions<Body> {
  /** Sends one body; resolves with the outcome, never rejects for a failed export. */
  send(body: Body): Promise<SendResult>;
  /** Stops what send() has in flight (bounded shutdown). */
  abort?(): void;
  readonly outcome: ExportOutcome;
  /** The longest an item waits before it is sent (OTEL_BSP_SCHEDULE_DELAY and its kin). */
  readonly scheduleDelayMs: number;
  /** This many items held are sent at once. */
  readonly maxExportBatchSize: number;
  /** Awaited before a round of exports, e.g. resource detectors that have not settled yet. */
  beforeSend?(): Promise<void> | undefined;
}

/**
 * When a batching processor sends: at once when a full batch is held, else after the schedule
 * delay; one export in flight at a time, while the batch keeps filling (up to its bound; what does
 * not fit is refused and counted). Its timer never holds the process (unref'd), and neither does
 * the sender while the app runs: background export never keeps an app alive. forceFlush() and
 * shutdown() drain what is held, for the shutdown flush.
 */
export class BatchSchedule<T, Body> {
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly batch: PendingBatch<T, Body>,
    private readonly options: BatchScheduleOptions<Body>,
  ) {}

  add(item: T): void {
    if (this.stopped) return;
    if (!this.batch.add(item)) {
      this.options.outcome.refused(1);
      return;
    }
    if (this.batch.size >= this.options.maxExportBatchSize) this.flushSoon();
    else if (this.timer === undefined && !this.sending) this.schedule();
  }

  /** Sends what is held, and what comes while it is sent, until the batch is empty. */
  async forceFlush(): Promise<void> {
    while (this.sending || this.batch.size > 0) {
      if (!this.sending) this.flushSoon();
      await this.sending;
    }
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    await this.forceFlush();
    this.stopped = true;
    this.clearTimer();
  }

  /** Abandons what is in flight (the shutdown bound passed): nothing keeps the process alive after this. */
  abort(): void {
    this.stopped = true;
    this.clearTimer();
    this.options.abort?.();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushSoon();
    }, this.options.scheduleDelayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flushSoon(): void {
    this.clearTimer();
    if (!this.sending) this.sending = this.sendLoop();
  }

  private async sendLoop(): Promise<void> {
    try {
      // Taken synchronously when nothing is pending: a full batch leaves the queue at once.
      const pending = this.options.beforeSend?.();
      if (pending) await pending.catch(() => undefined);
      // Full batches go one after another; a partial one waits for the schedule.
      while (this.batch.size > 0) {
        const { body, items } = this.batch.take();
        let result: SendResult;
        try {
          result = await this.options.send(body);
        } catch (err) {
          result = { ok: false, error: (err as Error)?.message ?? String(err) };
        }
        this.batch.release?.(body);
        this.options.outcome.exported(result.ok, items, result.error);
        if (this.batch.size < this.options.maxExportBatchSize) break;
      }
    } finally {
      this.sending = undefined;
      if (this.batch.size > 0 && this.timer === undefined && !this.stopped) this.schedule();
    }
  }
}

/** A span processor on a batch schedule: the sampled spans that end go into its batch. */
export class SampledSpanSchedule<Body> extends BatchSchedule<ReadableSpan, Body> implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.add(span);
  }
}
