import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { AgentConfig } from '../config';
import { ExportHealth, trackExports } from './export-health';

type Signal = 'traces' | 'metrics' | 'logs';

/** The URL a signal is exported to: the per-signal variable wins, else base + /v1/<signal>. */
export function otlpUrl(config: AgentConfig, signal: Signal): string {
  const s = config.standard;
  const specific = signal === 'traces' ? s.otlpTracesEndpoint : signal === 'metrics' ? s.otlpMetricsEndpoint : s.otlpLogsEndpoint;
  if (specific) return specific;
  return `${s.otlpEndpoint.replace(/\/+$/, '')}/v1/${signal}`;
}

function exporterOptions(config: AgentConfig, signal: Signal) {
  return { url: otlpUrl(config, signal), headers: { ...config.standard.otlpHeaders }, timeoutMillis: config.standard.otlpTimeoutMs };
}

// Only the chosen encoding's package is loaded: each costs start-up time and memory.
export function createSpanExporter(config: AgentConfig): SpanExporter {
  const opts = exporterOptions(config, 'traces');
  if (config.standard.otlpProtocol === 'http/json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(opts);
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(opts);
}

export function createMetricExporter(config: AgentConfig): PushMetricExporter {
  const health = new ExportHealth('metric batches', otlpUrl(config, 'metrics'));
  return trackExports(buildMetricExporter(config), health, () => 1);
}

function buildMetricExporter(config: AgentConfig): PushMetricExporter {
  const opts = exporterOptions(config, 'metrics');
  if (config.standard.otlpProtocol === 'http/json') {
    const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
    return new OTLPMetricExporter(opts);
  }
  const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter(opts);
}

export function createLogExporter(config: AgentConfig): LogRecordExporter {
  const health = new ExportHealth('log records', otlpUrl(config, 'logs'));
  return trackExports(buildLogExporter(config), health, (records: unknown[]) => records.length);
}

function buildLogExporter(config: AgentConfig): LogRecordExporter {
  const opts = exporterOptions(config, 'logs');
  if (config.standard.otlpProtocol === 'http/json') {
    const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http');
    return new OTLPLogExporter(opts);
  }
  const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter(opts);
}
