import { BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from '../config';
import { createLogExporter } from '../tracing/exporters';

/**
 * winston loggers with trace correlation and OTLP export.
 * PLACEHOLDER until the logs concern lands.
 */
export interface LogsSetup {
  /** Exporting processors; the processors pipeline wraps each one. */
  readonly processors: LogRecordProcessor[];
  readonly instrumentations: Instrumentation[];
}

export function createLogsSetup(config: AgentConfig): LogsSetup {
  return { processors: [new BatchLogRecordProcessor({ exporter: createLogExporter(config) })], instrumentations: [] };
}
