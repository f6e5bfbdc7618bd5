import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SettingsOf } from '../config';
import type { exportSettings } from './export-settings';

export type ExportConfig = SettingsOf<typeof exportSettings>;
export type Signal = 'traces' | 'metrics' | 'logs';

/** The URL a signal is exported to: the per-signal variable wins, else base + /v1/<signal>. */
export function otlpUrl(s: ExportConfig, signal: Signal): string {
  const specific = signal === 'traces' ? s.otlpTracesEndpoint : signal === 'metrics' ? s.otlpMetricsEndpoint : s.otlpLogsEndpoint;
  if (specific) return specific;
  return `${s.otlpEndpoint.replace(/\/+$/, '')}/v1/${signal}`;
}

function exporterOptions(config: ExportConfig, signal: Signal, maxTimeoutMs = Infinity) {
  return { url: otlpUrl(config, signal), headers: { ...config.otlpHeaders }, timeoutMillis: Math.min(config.otlpTimeoutMs, maxTimeoutMs) };
}

interface BasicExporter<T> {
  export(items: T[], cb: (r: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/**
 * Defers building an exporter until its first export. The OTLP encoders cost tens of ms to load,
 * and the agent runs before the app: nothing is sent before the first batch anyway, so start-up
 * does not pay for them. Shutting down an exporter that never exported loads nothing.
 */
export function lazyExporter<T, E extends BasicExporter<T>>(build: () => E): E {
  let real: E | undefined;
  const get = () => (real ??= build());
  return {
    export: (items: T[], cb: (r: ExportResult) => void) => get().export(items, cb),
    shutdown: () => (real ? real.shutdown() : Promise.resolve()),
    forceFlush: () => (real?.forceFlush ? real.forceFlush() : Promise.resolve()),
  } as unknown as E;
}

export function createSpanExporter(config: ExportConfig): SpanExporter {
  return lazyExporter<ReadableSpan, SpanExporter>(() => buildSpanExporter(config));
}

// Only the chosen encoding's package is loaded: each costs start-up time and memory.
function buildSpanExporter(config: ExportConfig): SpanExporter {
  const opts = exporterOptions(config, 'traces');
  if (config.otlpProtocol === 'http/json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(opts);
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(opts);
}

/**
 * `maxTimeoutMs`: the metric reader gives up on an export after its own timeout; the exporter must
 * give up first, so that a failure is a result (told by ExportHealth) and not an upstream error line.
 */
export function createMetricExporter(config: ExportConfig, maxTimeoutMs?: number): PushMetricExporter {
  const opts = exporterOptions(config, 'metrics', maxTimeoutMs);
  if (config.otlpProtocol === 'http/json') {
    const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter(opts);
  }
  const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter(opts);
}

export function createLogExporter(config: ExportConfig): LogRecordExporter {
  return lazyExporter<ReadableLogRecord, LogRecordExporter>(() => buildLogExporter(config));
}

function buildLogExporter(config: ExportConfig): LogRecordExporter {
  const opts = exporterOptions(config, 'logs');
  if (config.otlpProtocol === 'http/json') {
    const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http');
    return new OTLPLogExporter(opts);
  }
  const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter(opts);
}
