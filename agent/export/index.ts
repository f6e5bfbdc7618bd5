import { ExportResultCode } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { MetricReader, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ExportHealth } from '../runtime/export-health';
import { signalEndpoint, type ExportConfig, type Signal } from '../runtime/otlp-endpoints';
import { BatchLogExportProcessor, BatchSpanExportProcessor, type BatchOptions } from './batch-processors';
import type { ExportOutcome } from './batch-schedule';
import { EncodingSpanProcessor } from './encoding-span-processor';
import { CONTENT_TYPE, failedResult, OtlpLogExporter, OtlpMetricExporter, OtlpSpanExporter, type OtlpEncoding } from './otlp-exporters';
import { OtlpHttpSender } from './otlp-http-sender';
import { PeriodicReader, type PeriodicReaderOptions } from './periodic-reader';
import type { TraceBatchResource } from './trace-batch';

export { OtlpHttpSender, type OtlpHttpSenderOptions, type SendResult } from './otlp-http-sender';
export { OtlpLogExporter, OtlpMetricExporter, OtlpSpanExporter } from './otlp-exporters';
export { temporalitySelector, type TemporalityPreference } from './metric-temporality';
export { PeriodicReader, type PeriodicReaderOptions } from './periodic-reader';
export type { BatchOptions } from './batch-processors';

export interface BatchExportOptions extends BatchOptions {
  /** Told of every export and every refused item (the outage lines and otel_companion.dropped). */
  readonly health: ExportHealth;
  /** One export gives up after this (OTEL_BSP_EXPORT_TIMEOUT, OTEL_BLRP_EXPORT_TIMEOUT), or the signal's OTLP timeout if shorter. */
  readonly exportTimeoutMs: number;
}

export interface EncodedTraceExportOptions extends BatchExportOptions {
  readonly resource: TraceBatchResource;
}

/**
 * Every OTLP/HTTP export of the agent, built on one transport (a sender per processor or
 * exporter). No export keeps the process alive while the app runs; the shutdown path calls
 * `holdProcess()` before it flushes, so the flush completes, and `abort()` when its bound passes,
 * which ends everything in flight.
 */
export interface OtlpExport {
  /** The fast pipeline's trace export: spans encoded to OTLP/protobuf when they end. */
  encodedTraceExport(options: EncodedTraceExportOptions): SpanProcessor;
  /** Spans batched as objects and serialized at export (the upstream pipeline; OTLP/JSON). */
  batchSpanExport(options: BatchExportOptions): SpanProcessor;
  batchLogExport(options: BatchExportOptions): LogRecordProcessor;
  /** Gives up within `maxTimeoutMs` (the metric reader's own timeout comes after). */
  metricExporter(maxTimeoutMs: number): PushMetricExporter;
  /** The periodic metric reader that never holds the process. */
  periodicReader(options: PeriodicReaderOptions): MetricReader;
  /** A plain SpanExporter on the same transport, for an SDK span processor. */
  spanExporter(): OtlpSpanExporter;
  holdProcess(): void;
  abort(): void;
}

function outcomeOf(health: ExportHealth): ExportOutcome {
  return {
    exported: (ok, items, error) => health.record(ok ? { code: ExportResultCode.SUCCESS } : failedResult(error), items),
    refused: (items) => health.queueFull(items),
  };
}

export function createOtlpExport(config: ExportConfig): OtlpExport {
  const abortable: Array<{ abort(): void }> = [];
  const senders: OtlpHttpSender[] = [];
  let holding = false;
  const sender = (signal: Signal, encoding: OtlpEncoding, maxTimeoutMs = Infinity): OtlpHttpSender => {
    const endpoint = signalEndpoint(config, signal);
    const s = new OtlpHttpSender({
      url: endpoint.url, headers: endpoint.headers, timeoutMs: Math.min(endpoint.timeoutMs, maxTimeoutMs),
      contentType: CONTENT_TYPE[encoding], compression: config.otlpCompression,
    });
    if (holding) s.holdProcess();
    senders.push(s);
    abortable.push(s);
    return s;
  };
  const track = <P extends { abort(): void }>(processor: P): P => {
    abortable.push(processor);
    return processor;
  };
  const encoding = config.otlpProtocol;
  return {
    encodedTraceExport: (options) => {
      const s = sender('traces', 'http/protobuf', options.exportTimeoutMs);
      return track(new EncodingSpanProcessor({
        resource: options.resource,
        send: (body) => s.send(body),
        abort: () => s.abort(),
        outcome: outcomeOf(options.health),
        scheduleDelayMs: options.scheduleDelayMs,
        maxQueueSize: options.maxQueueSize,
        maxExportBatchSize: Math.min(options.maxExportBatchSize, options.maxQueueSize),
      }));
    },
    batchSpanExport: (options) => {
      const s = sender('traces', encoding, options.exportTimeoutMs);
      const exporter = new OtlpSpanExporter(s, encoding);
      return track(new BatchSpanExportProcessor({ send: (spans) => exporter.send(spans), abort: () => s.abort() }, outcomeOf(options.health), options));
    },
    batchLogExport: (options) => {
      const s = sender('logs', encoding, options.exportTimeoutMs);
      const exporter = new OtlpLogExporter(s, encoding);
      return track(new BatchLogExportProcessor({ send: (records) => exporter.send(records), abort: () => s.abort() }, outcomeOf(options.health), options));
    },
    metricExporter: (maxTimeoutMs) => new OtlpMetricExporter(sender('metrics', encoding, maxTimeoutMs), encoding, config.otlpMetricsTemporalityPreference),
    periodicReader: (options) => new PeriodicReader(options),
    spanExporter: () => new OtlpSpanExporter(sender('traces', encoding), encoding),
    holdProcess: () => {
      holding = true;
      for (const s of senders) s.holdProcess();
    },
    abort: () => {
      for (const a of abortable) a.abort();
    },
  };
}
