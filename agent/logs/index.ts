import { ConsoleLogRecordExporter, SimpleLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { agentLog } from '../runtime/agent-log';
import { ExportHealth } from '../runtime/export-health';
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
  /** createLogger() follows these settings from now on; called once start-up has succeeded. */
  activate(): void;
}

export interface LogsDeps {
  /** Instrumentations to load (agent/runtime/instrumentation-selection). */
  readonly activeInstrumentations: ReadonlySet<string>;
  /**
   * The OTLP log export: a processor that batches records and sends them, telling `health` of
   * every export and every record refused by the full queue. And where it sends (for the lines).
   */
  createLogExport(options: LogExportOptions): LogRecordProcessor;
  readonly logsUrl: string;
}

export interface LogExportOptions {
  readonly health: ExportHealth;
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

function exportingProcessors(config: LogsConfig, deps: LogsDeps): LogRecordProcessor[] {
  switch (config.exporter) {
    case 'none':
      return [];
    case 'console':
      return [new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() })];
    default: {
      return [deps.createLogExport({
        health: new ExportHealth('logs', 'log records', deps.logsUrl),
        scheduleDelayMs: config.blrpScheduleDelayMs,
        exportTimeoutMs: config.blrpExportTimeoutMs,
        maxQueueSize: config.blrpMaxQueueSize,
        maxExportBatchSize: config.blrpMaxExportBatchSize,
      })];
    }
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

export function createLogsSetup(config: LogsConfig, deps: LogsDeps): LogsSetup {
  const instrumentation = winstonInstrumentation(config, deps.activeInstrumentations);
  return {
    processors: exportingProcessors(config, deps),
    instrumentations: instrumentation ? [instrumentation] : [],
    activate: () => setActiveLogsConfig(config),
  };
}

export { LOG_LEVELS, type LogLevel } from './settings';
export type { LogsConfig } from './logs-config';
