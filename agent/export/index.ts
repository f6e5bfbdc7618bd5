import { ExportResultCode } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportHealth } from '../runtime/export-health';
import { EncodingSpanProcessor } from './encoding-span-processor';
import { OtlpHttpSender } from './otlp-http-sender';
import type { TraceBatchResource } from './trace-batch';

export interface OtlpTraceExportOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly resource: TraceBatchResource;
  readonly scheduleDelayMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  /** Told of every export and every refused span (the outage lines and otel_companion.dropped). */
  readonly health: ExportHealth;
}

/**
 * The fast trace export: spans encoded to OTLP/protobuf when they end, sent as ready bytes over
 * OTLP/HTTP. Returns the span processor (with `abort()` for a bounded shutdown).
 */
export function createOtlpTraceExport(options: OtlpTraceExportOptions): SpanProcessor & { abort(): void } {
  const sender = new OtlpHttpSender({ url: options.url, headers: options.headers, timeoutMs: options.timeoutMs });
  const { health } = options;
  return new EncodingSpanProcessor({
    resource: options.resource,
    send: (body) => sender.send(body),
    abort: () => sender.abort(),
    scheduleDelayMs: options.scheduleDelayMs,
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: Math.min(options.maxExportBatchSize, options.maxQueueSize),
    outcome: {
      exported: (ok, spans, error) => health.record(ok ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: Object.assign(new Error(error ?? 'export failed'), { code: error }) }, spans),
      refused: (spans) => health.queueFull(spans),
    },
  });
}
