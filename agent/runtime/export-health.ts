import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { agentLog } from './agent-log';

/**
 * Tracks whether exports to one destination are failing, so that an unreachable collector costs
 * the user exactly two lines: one when exporting starts failing, one when it recovers (with the
 * number of items dropped in between). Everything else about failures stays silent.
 */
export class ExportHealth {
  private failing = false;
  private dropped = 0;
  private firstError = '';

  constructor(private readonly signal: string, private readonly destination: string) {}

  get isFailing(): boolean {
    return this.failing;
  }

  get droppedSinceFailure(): number {
    return this.dropped;
  }

  /** Items lost without an export attempt (queue full). */
  countDropped(items: number): void {
    this.dropped += items;
  }

  record(result: ExportResult, items: number): void {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failing) {
        this.failing = false;
        agentLog.warn(`${this.signal} export to ${this.destination} recovered; ${this.dropped} ${this.signal} were dropped while it failed`);
        this.dropped = 0;
      }
      return;
    }
    this.dropped += items;
    if (!this.failing) {
      this.failing = true;
      this.firstError = describe(result.error);
      agentLog.warn(`${this.signal} export to ${this.destination} is failing (${this.firstError}); dropped ${items} ${this.signal} so far, the app keeps running; one more line when it recovers`);
    }
  }
}

function describe(err: unknown): string {
  if (!err) return 'unknown error';
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? (e.message ? e.message.split('\n')[0]! : String(err));
}

/** Wraps an exporter's `export` so every result is recorded. Works for spans, metrics and logs. */
export function trackExports<T extends { export(items: any, cb: (r: ExportResult) => void): void }>(
  exporter: T,
  health: ExportHealth,
  countOf: (items: any) => number,
): T {
  const original = exporter.export.bind(exporter);
  exporter.export = (items: any, cb: (r: ExportResult) => void) => {
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
