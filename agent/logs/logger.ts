import * as path from 'node:path';
import type * as Winston from 'winston';
import type TransportStream from 'winston-transport';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { agentLog } from '../runtime/agent-log';
import { agentResourceString, getAgentRuntime } from '../runtime/running-agent';
import { isInstrumentationTransport } from '../upstream/winston-transport';
import { correlate, formatLine, MESSAGE } from './json-line';
import { currentLogsConfig, type LogsConfig } from './logs-config';
import { SizeRotatingFile, type RotationOptions } from './rotating-file';
import type { LogLevel } from './settings';

export type Logger = Winston.Logger;

export interface FileTransportOptions {
  /** The live file. */
  path: string;
  /** Default OTEL_COMPANION_LOG_FILE_MAX_SIZE_MB (100). */
  maxSizeMb?: number;
  /** Exact byte limit; wins over maxSizeMb (tests, tiny devices). */
  maxSizeBytes?: number;
  /** Default OTEL_COMPANION_LOG_FILE_MAX_BACKUPS (10). */
  maxBackups?: number;
  /** Default OTEL_COMPANION_LOG_FILE_MAX_AGE_DAYS (30). */
  maxAgeDays?: number;
  /** Default OTEL_COMPANION_LOG_FILE_COMPRESS (true). */
  compress?: boolean;
}

export interface CreateLoggerOptions {
  /** `service` field of every line. Default: the agent's service.name. */
  service?: string;
  /** Default: LOG_LEVEL, else info. */
  level?: LogLevel | 'http' | 'verbose' | 'silly';
  /** Fields on every line of this logger. */
  defaultMeta?: Record<string, unknown>;
  /** JSON lines on stdout. Default OTEL_COMPANION_LOG_CONSOLE (true). */
  console?: boolean;
  /** Rotated JSON file. Default: OTEL_COMPANION_LOG_FILE when set, else no file. `false` turns it off. */
  file?: string | FileTransportOptions | false;
  /** Send records over OTLP through the agent's logger provider. Default true unless OTEL_LOGS_EXPORTER=none. */
  otlp?: boolean;
  /** More winston transports. */
  transports?: TransportStream[];
}

const OURS = Symbol.for('otel-companion.transport');
function serviceName(): string {
  const fromResource = agentResourceString(ATTR_SERVICE_NAME);
  if (fromResource) return fromResource;
  const env = process.env.OTEL_SERVICE_NAME?.trim();
  return env || 'unknown_service:node';
}

function rotationOptions(file: string | FileTransportOptions, cfg: LogsConfig): RotationOptions {
  const o: FileTransportOptions = typeof file === 'string' ? { path: file } : file;
  return {
    path: o.path,
    maxSizeBytes: o.maxSizeBytes ?? (o.maxSizeMb ?? cfg.fileMaxSizeMb) * 1024 * 1024,
    maxBackups: o.maxBackups ?? cfg.fileMaxBackups,
    maxAgeDays: o.maxAgeDays ?? cfg.fileMaxAgeDays,
    compress: o.compress ?? cfg.fileCompress,
  };
}

type WinstonModule = typeof Winston;

/**
 * One SizeRotatingFile per path in the process: several loggers writing to one file (the app's and
 * requestLogger's default one) must share the size count and the rotation, or they would rotate
 * each other's files. The first logger's rotation options win; closed when the last one closes.
 */
const openFiles = new Map<string, { file: SizeRotatingFile; users: number }>();

function acquireFile(opts: RotationOptions): SizeRotatingFile {
  const key = path.resolve(opts.path);
  let entry = openFiles.get(key);
  if (!entry || entry.file.isClosed) {
    entry = { file: new SizeRotatingFile(opts), users: 0 };
    openFiles.set(key, entry);
  }
  entry.users++;
  return entry.file;
}

async function releaseFile(file: SizeRotatingFile): Promise<void> {
  for (const [key, entry] of openFiles) {
    if (entry.file !== file) continue;
    if (--entry.users > 0) return file.settled();
    openFiles.delete(key);
    return file.close();
  }
}

let FileTransportClass: (new (opts: RotationOptions) => TransportStream & { file: SizeRotatingFile }) | undefined;

/** A winston transport over SizeRotatingFile; defined lazily so winston loads only when used. */
function fileTransport(winston: WinstonModule, opts: RotationOptions): TransportStream {
  if (!FileTransportClass) {
    const Base = (winston as unknown as { Transport: new (o?: object) => TransportStream }).Transport;
    FileTransportClass = class RotatingFileTransport extends Base {
      readonly file: SizeRotatingFile;
      private released = false;
      constructor(o: RotationOptions) {
        super({});
        this.file = acquireFile(o);
      }
      override log(info: Record<string | symbol, unknown>, next: () => void): void {
        this.file.write(`${String(info[MESSAGE])}\n`);
        setImmediate(() => this.emit('logged', info));
        next();
      }
      override close(): void {
        if (this.released) return;
        this.released = true;
        void releaseFile(this.file).then(() => this.emit('finish'));
      }
    };
  }
  return new FileTransportClass(opts);
}

function otlpTransport(): TransportStream | undefined {
  try {
    const { OpenTelemetryTransportV3 } = require('@opentelemetry/winston-transport') as typeof import('@opentelemetry/winston-transport');
    const t = new OpenTelemetryTransportV3() as unknown as TransportStream;
    (t as unknown as Record<symbol, boolean>)[OURS] = true;
    return t;
  } catch (err) {
    agentLog.warn(`OTLP log transport unavailable (${(err as Error).message}); logs stay local`);
    return undefined;
  }
}

/**
 * A winston logger whose every line is JSON with timestamp, level, message, service, the active
 * trace_id / span_id / trace_flags and the caller's fields, written to stdout, an optional rotated
 * file, and OTLP. Never throws: on a bad option it logs one line and keeps the rest.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const winston = require('winston') as WinstonModule;
  const cfg = currentLogsConfig();
  const service = options.service ?? serviceName();
  const redact = (v: unknown) => getAgentRuntime()?.redact(v) ?? v;

  const lineFormat = winston.format((info) => {
    const record = info as Record<string | symbol, unknown>;
    try {
      correlate(record);
      record[MESSAGE] = formatLine(record, service, redact);
    } catch (err) {
      // A field whose getter throws must not cost the line, nor reach the app.
      record[MESSAGE] = JSON.stringify({
        timestamp: new Date().toISOString(), level: info.level, message: String(info.message), service,
        log_error: `fields could not be serialized: ${(err as Error)?.message ?? String(err)}`,
      });
    }
    return info;
  });

  const transports: TransportStream[] = [];
  if (options.console ?? cfg.console) transports.push(new winston.transports.Console());
  const file = options.file === undefined ? cfg.file : options.file;
  if (file) {
    try {
      transports.push(fileTransport(winston, rotationOptions(file, cfg)));
    } catch (err) {
      agentLog.always(`log file ${typeof file === 'string' ? file : file.path} cannot be opened (${(err as Error).message}); logging without it`);
    }
  }
  let ours: TransportStream | undefined;
  if (options.otlp ?? cfg.exporter !== 'none') {
    ours = otlpTransport();
    if (ours) transports.push(ours);
  }
  transports.push(...(options.transports ?? []));

  const logger = winston.createLogger({
    level: options.level ?? cfg.level,
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.splat(), lineFormat()),
    transports,
  });
  // A failing transport (closed stdout, full disk) emits 'error' on the logger; unheard, that
  // would crash the app.
  let lastError = 0;
  logger.on('error', (err: unknown) => {
    if (Date.now() - lastError < 60_000) return;
    lastError = Date.now();
    agentLog.warn(`logger transport failed: ${(err as Error)?.message ?? String(err)}`);
  });
  // instrumentation-winston adds its own OTLP transport to every logger it sees configured; with
  // ours that would send each record twice.
  for (const t of [...logger.transports]) {
    if (t !== ours && isInstrumentationTransport(t)) logger.remove(t);
  }
  return logger;
}

let shared: Logger | undefined;

/** One process-wide logger for helpers that need one (request logger, business events). */
export function defaultLogger(): Logger {
  shared ??= createLogger();
  return shared;
}
