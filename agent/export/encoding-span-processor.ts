import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { SampledSpanSchedule, type ExportOutcome } from './batch-schedule';
import type { SendResult } from './otlp-http-sender';
import { TraceBatch, type TraceBatchResource } from './trace-batch';

export type { ExportOutcome } from './batch-schedule';

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
 * returns. forceFlush(), shutdown() and abort() (the bound passed) are the schedule's.
 */
export class EncodingSpanProcessor extends SampledSpanSchedule<Uint8Array> {
  constructor(options: EncodingSpanProcessorOptions) {
    const batch = new TraceBatch(options.resource, { maxSpans: options.maxQueueSize });
    const resource = options.resource as TraceBatchResource & { waitForAsyncAttributes?: () => Promise<void> };
    super({
      add: (span: ReadableSpan) => batch.add(span),
      get size() {
        return batch.spanCount;
      },
      // The whole batch in one request: it is bounded in spans and in bytes already.
      take: () => {
        const items = batch.spanCount;
        return { body: batch.take(), items };
      },
      release: (body: Uint8Array) => batch.release(body),
    }, {
      send: options.send,
      abort: options.abort,
      outcome: options.outcome,
      scheduleDelayMs: options.scheduleDelayMs,
      maxExportBatchSize: options.maxExportBatchSize,
      // Resource detectors may still be running for the first batches: send them complete.
      beforeSend: () => (resource.asyncAttributesPending && resource.waitForAsyncAttributes ? resource.waitForAsyncAttributes() : undefined),
    });
  }
}
