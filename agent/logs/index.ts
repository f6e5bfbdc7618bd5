import {
  BatchLogRecordProcessor, ConsoleLogRecordExporter, SimpleLogRecordProcessor, type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from '../config';
import { createLogExporter } from '../tracing/exporters';
import { activeInstrumentationNames } from '../tracing/instrumentations';
import { agentLog } from '../tracing/diagnostics';

/**
 * The logs concern's part of the SDK: where log records go, and the winston instrumentation that
 * correlates (and optionally exports) the app's own winston loggers. createLogger() and
 * requestLogger() live in ./logger and ./request-logger; this module never loads winston itself,
 * so the instrumentation can patch it when the app first requires it.
 */
export interface LogsSetup {
  /** Exporting processors; the processors pipeline wraps each one. */
  readonly processors: LogRecordProcessor[];
  readonly instrumentations: Instrumentation[];
}

function exportingProcessors(config: AgentConfig): LogRecordProcessor[] {
  switch (config.logs.exporter) {
    case 'none':
      return [];
    case 'console':
      return [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })];
    default:
      return [new BatchLogRecordProcessor({ exporter: createLogExporter(config) })];
  }
}

function winstonInstrumentation(config: AgentConfig): Instrumentation | undefined {
  if (!activeInstrumentationNames(config).includes('winston')) return undefined;
  const { correlateAppLoggers, exportAppLoggers, exporter } = config.logs;
  if (!correlateAppLoggers && (!exportAppLoggers || exporter === 'none')) return undefined;
  try {
    const { WinstonInstrumentation } = require('@opentelemetry/instrumentation-winston') as typeof import('@opentelemetry/instrumentation-winston');
    // Field names trace_id / span_id / trace_flags are the instrumentation's own, and ours.
    // createLogger() removes the transport this adds, since it brings its own (one export per record).
    return new WinstonInstrumentation({
      disableLogCorrelation: !correlateAppLoggers,
      disableLogSending: !exportAppLoggers || exporter === 'none',
    });
  } catch (err) {
    agentLog.warn(`winston instrumentation could not be loaded (${(err as Error).message.split('\n')[0]}); app loggers stay uncorrelated`);
    return undefined;
  }
}

export function createLogsSetup(config: AgentConfig): LogsSetup {
  const instrumentation = winstonInstrumentation(config);
  return { processors: exportingProcessors(config), instrumentations: instrumentation ? [instrumentation] : [] };
}

export { LOG_LEVELS, type LogLevel } from './settings';
