import { PeriodicExportingMetricReader, type MetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from '../config';
import { createMetricExporter } from '../tracing/exporters';

/**
 * HTTP/pg/runtime metrics, business metrics and Prometheus export.
 * PLACEHOLDER: a plain OTLP reader until the metrics concern lands.
 */
export interface MetricsSetup {
  readonly readers: MetricReader[];
  readonly views: ViewOptions[];
  readonly instrumentations: Instrumentation[];
}

export function createMetricsSetup(config: AgentConfig): MetricsSetup {
  return {
    readers: [new PeriodicExportingMetricReader({ exporter: createMetricExporter(config), exportIntervalMillis: 60000 })],
    views: [],
    instrumentations: [],
  };
}
