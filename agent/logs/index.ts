import {
  BatchLogRecordProcessor, ConsoleLogRecordExporter, SimpleLogRecordProcessor, type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { agentLog } from '../runtime/agent-log';
import { setActiveLogsConfig, type LogsConfig } from './logs-config';

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

export interface LogsDeps {
  /** Instrumentations to load (agent/runtime/instrumentation-selection). */
  readonly activeInstrumentations: ReadonlySet<string>;
  /** The OTLP log record exporter (with its export-health tracking). */
  createLogExporter(): LogRecordExporter;
}

function exportingProcessors(config: LogsConfig, deps: LogsDeps): LogRecordProcessor[] {
  switch (config.exporter) {
    case 'none':
      return [];
    case 'console':
      return [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })];
    default:
      return [new BatchLogRecordProcessor({ exporter: deps.createLogExporter() })];
  }
}

function winstonInstrumentation(config: LogsConfig, active: ReadonlySet<string>): Instrumentation | undefined {
  if (!active.has('winston')) return undefined;
  const { correlateAppLoggers, exportAppLoggers, exporter } = config;
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

/** The logs concern of a starting agent; createLogger() reads these settings from now on. */
export function createLogsSetup(config: LogsConfig, deps: LogsDeps): LogsSetup {
  setActiveLogsConfig(config);
  const instrumentation = winstonInstrumentation(config, deps.activeInstrumentations);
  return { processors: exportingProcessors(config, deps), instrumentations: instrumentation ? [instrumentation] : [] };
}

export { LOG_LEVELS, type LogLevel } from './settings';
export type { LogsConfig } from './logs-config';
