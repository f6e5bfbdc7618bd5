import { bool, int, oneOf, optionalText } from '../config/setting';

/** Levels an app may choose with LOG_LEVEL; winston's npm levels stay callable. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Settings of the logs concern, registered in ../config/registry.ts under 'logs'.
// Rotation defaults: 100 MB, 10 backups, 30 days, gzip (lumberjack's usual settings).
export const logsSettings = {
  level: oneOf({
    env: 'LOG_LEVEL', file: 'logs.level', values: LOG_LEVELS, default: 'info',
    description: 'Lowest level written by createLogger() loggers (all transports).',
  }),
  exporter: oneOf({
    env: 'OTEL_LOGS_EXPORTER', file: 'logs.exporter', values: ['otlp', 'console', 'none'], default: 'otlp',
    description: 'Where log records go besides the app\'s own transports: OTLP to the collector, the OTel console exporter, or nowhere.',
  }),
  console: bool({
    env: 'OTEL_COMPANION_LOG_CONSOLE', file: 'logs.console', default: true,
    description: 'createLogger() writes JSON lines to stdout.',
  }),
  file: optionalText({
    env: 'OTEL_COMPANION_LOG_FILE', file: 'logs.file.path',
    description: 'Path of the JSON log file of createLogger() loggers; unset: no file. Rotated by size.',
  }),
  fileMaxSizeMb: int({
    env: 'OTEL_COMPANION_LOG_FILE_MAX_SIZE_MB', file: 'logs.file.maxSizeMb', default: 100, min: 1, max: 1_000_000,
    description: 'The log file is rotated when the next line would make it larger than this.',
  }),
  fileMaxBackups: int({
    env: 'OTEL_COMPANION_LOG_FILE_MAX_BACKUPS', file: 'logs.file.maxBackups', default: 10, min: 0, max: 10_000,
    description: 'Rotated files kept; older ones are deleted (0: no limit by count).',
  }),
  fileMaxAgeDays: int({
    env: 'OTEL_COMPANION_LOG_FILE_MAX_AGE_DAYS', file: 'logs.file.maxAgeDays', default: 30, min: 0, max: 36_500,
    description: 'Rotated files older than this are deleted (0: no limit by age).',
  }),
  fileCompress: bool({
    env: 'OTEL_COMPANION_LOG_FILE_COMPRESS', file: 'logs.file.compress', default: true,
    description: 'Gzip rotated files (the live file is never compressed).',
  }),
  correlateAppLoggers: bool({
    env: 'OTEL_COMPANION_LOG_CORRELATION', file: 'logs.correlateAppLoggers', default: true,
    description: 'Inject trace_id, span_id and trace_flags into records of winston loggers the app creates itself.',
  }),
  exportAppLoggers: bool({
    env: 'OTEL_COMPANION_LOG_EXPORT_APP_LOGGERS', file: 'logs.exportAppLoggers', default: true,
    description: 'Send records of winston loggers the app creates itself over OTLP too (createLogger() loggers always are, once).',
  }),
  blrpScheduleDelayMs: int({ env: 'OTEL_BLRP_SCHEDULE_DELAY', file: 'logs.batch.scheduleDelayMs', default: 1000, min: 1, description: 'Delay between log record exports (ms).' }),
  blrpExportTimeoutMs: int({ env: 'OTEL_BLRP_EXPORT_TIMEOUT', file: 'logs.batch.exportTimeoutMs', default: 30000, min: 1, description: 'Timeout of one log record export (ms); OTEL_EXPORTER_OTLP_TIMEOUT also bounds it.' }),
  blrpMaxQueueSize: int({ env: 'OTEL_BLRP_MAX_QUEUE_SIZE', file: 'logs.batch.maxQueueSize', default: 2048, min: 1, description: 'Log records kept in memory while the collector is unreachable; beyond this they are dropped and counted.' }),
  blrpMaxExportBatchSize: int({ env: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', file: 'logs.batch.maxExportBatchSize', default: 512, min: 1, description: 'Log records per export request.' }),
} as const;
