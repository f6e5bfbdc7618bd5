import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { Meter } from '@opentelemetry/api';
import { agentLog } from './agent-log';

export type TelemetrySignal = 'traces' | 'metrics' | 'logs';

/**
 * Why items were lost. Export outages count as `export_failed` (the items of a failed export) and
 * `queue_full` (items refused while the queue was full); `redaction_failed` items were dropped on
 * every path because they could not be redacted.
 */
export type DropReason = 'export_failed' | 'queue_full' | 'redaction_failed';

/**
 * Items lost so far, by signal and reason, for the `otel_companion.dropped` counter. Fixed slots:
 * counting runs per item during an outage, when the app is busiest.
 */
const newCounts = (): Record<DropReason, number> => ({ export_failed: 0, queue_full: 0, redaction_failed: 0 });
const totals: Record<TelemetrySignal, Record<DropReason, number>> = { traces: newCounts(), metrics: newCounts(), logs: newCounts() };

/** Counts items lost for a reason that is not an export outage (redaction failures). */
export function countDropped(signal: TelemetrySignal, reason: DropReason, items: number): void {
  if (items > 0) totals[signal][reason] += items;
}

export function droppedTotals(): Array<{ signal: TelemetrySignal; reason: DropReason; items: number }> {
  const out: Array<{ signal: TelemetrySignal; reason: DropReason; items: number }> = [];
  for (const signal of Object.keys(totals) as TelemetrySignal[]) {
    for (const reason of Object.keys(totals[signal]) as DropReason[]) {
      const items = totals[signal][reason];
      if (items > 0) out.push({ signal, reason, items });
    }
  }
  return out;
}

/** Meter name and instrument of the agent's own telemetry about itself. */
export const SELF_METER = 'otel-companion';
export const METRIC_DROPPED = 'otel_companion.dropped';

/**
 * `otel_companion.dropped{signal, reason}`: items the agent lost, read at each collection. It
 * reaches the backend with the next metric export that succeeds, so the agent's side of an outage
 * shows next to the collector's own failure metrics.
 */
export function registerDroppedMetric(meter: Meter): void {
  meter.createObservableCounter(METRIC_DROPPED, {
    unit: '{item}',
    description: 'Telemetry items the agent dropped, by signal and reason (export_failed, queue_full, redaction_failed).',
  }).addCallback((result) => {
    for (const { signal, reason, items } of droppedTotals()) result.observe(items, { signal, reason });
  });
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Tells whether exports of one signal are failing, so that an outage costs the user exactly two
 * lines: one when it starts (with the cause) and one when it ends (with how many items were lost
 * meanwhile). Everything else about failures stays at debug level.
 *
 * An episode starts at the first failed export or the first item refused by a full queue. It ends
 * at a successful export with no item refused since the previous export result, so the backlog that
 * drains right after the collector is back belongs to the same episode and its count.
 */
export class ExportHealth {
  private failing = false;
  private since = 0;
  private refusedSinceLastResult = 0;
  private readonly episode = { export_failed: 0, queue_full: 0 };

  constructor(
    readonly signal: TelemetrySignal,
    /** What one item is, in the lines: spans, metric points, log records. */
    private readonly items: string,
    private readonly destination: string,
  ) {}

  get isFailing(): boolean {
    return this.failing;
  }

  /** Items lost in the current episode (0 when exports work). */
  get droppedSinceFailure(): number {
    return this.episode.export_failed + this.episode.queue_full;
  }

  /** Items refused because the queue was full (the collector is down or slower than the app). */
  queueFull(items: number): void {
    if (items <= 0) return;
    this.refusedSinceLastResult += items;
    this.lose('queue_full', items, 'the queue is full: telemetry is produced faster than it can be sent');
  }

  /** The result of one export of `items` items. */
  record(result: ExportResult, items: number): void {
    const refused = this.refusedSinceLastResult;
    this.refusedSinceLastResult = 0;
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failing && refused === 0) this.recover();
      return;
    }
    this.lose('export_failed', items, describe(result.error));
  }

  private lose(reason: 'export_failed' | 'queue_full', items: number, cause: string): void {
    countDropped(this.signal, reason, items);
    this.episode[reason] += items;
    if (this.failing) return;
    this.failing = true;
    this.since = Date.now();
    agentLog.warn(`${this.items} export to ${this.destination} is failing (${cause}); the app keeps running and ${this.items} are dropped until it recovers; one more line then`);
  }

  private recover(): void {
    const { export_failed: failed, queue_full: full } = this.episode;
    const seconds = ((Date.now() - this.since) / 1000).toFixed(1);
    agentLog.warn(
      `${this.items} export to ${this.destination} recovered after ${seconds} s; ${format(failed + full)} ${this.items} were dropped while it failed ` +
        `(${format(full)} refused by the full queue, ${format(failed)} in failed exports)`,
    );
    this.failing = false;
    this.episode.export_failed = 0;
    this.episode.queue_full = 0;
  }
}

function describe(err: unknown): string {
  if (!err) return 'unknown error';
  const e = err as { code?: string | number; message?: string; cause?: { code?: string } };
  if (typeof e.code === 'string') return e.code;
  if (e.cause?.code) return e.cause.code;
  if (e.message) return e.message.split('\n')[0]!;
  // An Error without a message still has its class; an object with neither code nor message
  // says nothing ('[object Object]').
  if (err instanceof Error) return err.name;
  return typeof err === 'string' ? err : 'unknown error';
}

/** Wraps an exporter's `export` so every result is recorded. Works for spans, metrics and logs. */
export function trackExports<I, T extends { export(items: I, cb: (r: ExportResult) => void): void }>(
  exporter: T,
  health: ExportHealth,
  countOf: (items: I) => number,
): T {
  const original = exporter.export.bind(exporter);
  exporter.export = (items: I, cb: (r: ExportResult) => void) => {
    let done = false;
    const finish = (r: ExportResult) => {
      if (done) return;
      done = true;
      try {
        health.record(r, countOf(items));
      } finally {
        cb(r);
      }
    };
    try {
      original(items, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error as Error });
    }
  };
  return exporter;
}
