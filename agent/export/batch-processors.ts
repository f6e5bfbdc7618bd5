import type { Context } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { BatchSchedule, SampledSpanSchedule, type BatchScheduleOptions, type ExportOutcome, type PendingBatch } from './batch-schedule';
import type { SendResult } from './otlp-http-sender';

export interface BatchOptions {
  /** The longest an item waits before it is sent. */
  readonly scheduleDelayMs: number;
  /** Items held at most while an export is on its way or failing; more are refused and counted. */
  readonly maxQueueSize: number;
  /** Items per export request; this many held are sent at once. */
  readonly maxExportBatchSize: number;
}

/** Sends a batch of the SDK's items (an exporter's serialize-and-post) and stops what is in flight. */
export interface ItemSender<T> {
  send(items: T[]): Promise<SendResult>;
  abort(): void;
}

/** The SDK's items held as they are, up to the queue size; an export takes up to one batch. */
class ItemBatch<T> implements PendingBatch<T, T[]> {
  private items: T[] = [];

  constructor(private readonly maxQueueSize: number, private readonly maxExportBatchSize: number) {}

  get size(): number {
    return this.items.length;
  }

  add(item: T): boolean {
    if (this.items.length >= this.maxQueueSize) return false;
    this.items.push(item);
    return true;
  }

  take(): { body: T[]; items: number } {
    let body: T[];
    if (this.items.length <= this.maxExportBatchSize) {
      body = this.items;
      this.items = [];
    } else {
      body = this.items.splice(0, this.maxExportBatchSize);
    }
    return { body, items: body.length };
  }
}

type WithResource = { resource: { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> } };

/** Resource detectors may still be running for the first batches: their items are sent complete. */
function settledResources(items: readonly WithResource[]): Promise<unknown> | undefined {
  let waits: Array<Promise<void>> | undefined;
  let last: WithResource['resource'] | undefined;
  for (const { resource } of items) {
    if (resource === last) continue;
    last = resource;
    if (resource.asyncAttributesPending && resource.waitForAsyncAttributes) (waits ??= []).push(resource.waitForAsyncAttributes().catch(() => undefined));
  }
  return waits && Promise.all(waits);
}

/** The batch and the schedule options of a processor that holds the SDK's items. */
function scheduleFor<T extends WithResource>(
  sender: ItemSender<T>, outcome: ExportOutcome, options: BatchOptions,
): [PendingBatch<T, T[]>, BatchScheduleOptions<T[]>] {
  const maxExportBatchSize = Math.min(options.maxExportBatchSize, options.maxQueueSize);
  return [new ItemBatch<T>(options.maxQueueSize, maxExportBatchSize), {
    send: (items) => {
      const settling = settledResources(items);
      return settling ? settling.then(() => sender.send(items)) : sender.send(items);
    },
    abort: () => sender.abort(),
    outcome,
    scheduleDelayMs: options.scheduleDelayMs,
    maxExportBatchSize,
  }];
}

/**
 * The SDK's batch span processor, with the agent's process-lifetime rule: its schedule and its
 * exports never keep the process alive while the app runs (the SDK's processor holds a ref'd
 * timer for every export in flight). Spans are held as objects and serialized at export; for
 * the upstream pipeline and for OTLP/JSON (the fast pipeline encodes OTLP/protobuf at end()).
 */
export class BatchSpanExportProcessor extends SampledSpanSchedule<ReadableSpan[]> {
  constructor(sender: ItemSender<ReadableSpan>, outcome: ExportOutcome, options: BatchOptions) {
    super(...scheduleFor(sender, outcome, options));
  }
}

/** The SDK's batch log record processor, with the same rule: background export never holds the process. */
export class BatchLogExportProcessor extends BatchSchedule<ReadableLogRecord, ReadableLogRecord[]> implements LogRecordProcessor {
  constructor(sender: ItemSender<ReadableLogRecord>, outcome: ExportOutcome, options: BatchOptions) {
    super(...scheduleFor(sender, outcome, options));
  }

  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    this.add(logRecord as unknown as ReadableLogRecord);
  }
}
