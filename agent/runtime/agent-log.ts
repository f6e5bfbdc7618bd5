import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

const LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE, error: DiagLogLevel.ERROR, warn: DiagLogLevel.WARN, info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG, verbose: DiagLogLevel.VERBOSE, all: DiagLogLevel.ALL,
};

let level: DiagLogLevel = DiagLogLevel.WARN;

/**
 * The agent's own voice: one line per message on stderr, prefixed so it is never mistaken for
 * the app's output. The OTel diag channel is routed here too, at the same level.
 */
function write(prefix: string, args: unknown[]): void {
  try {
    const text = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a))).join(' ');
    process.stderr.write(`otel-companion${prefix}: ${text}\n`);
  } catch {
    // stderr closed: nothing sensible left to do, and the app must not notice.
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export const agentLog = {
  error: (...a: unknown[]) => { if (level >= DiagLogLevel.ERROR) write(' error', a); },
  warn: (...a: unknown[]) => { if (level >= DiagLogLevel.WARN) write(' warn', a); },
  info: (...a: unknown[]) => { if (level >= DiagLogLevel.INFO) write('', a); },
  debug: (...a: unknown[]) => { if (level >= DiagLogLevel.DEBUG) write(' debug', a); },
  /** Always printed (config problems must be seen even with OTEL_LOG_LEVEL=error). */
  always: (line: string) => write('', [line]),
};

/**
 * Upstream diagnostics about export failures that ExportHealth already tells (one line when an
 * outage starts, one when it ends, with the counts): at debug level only, so an outage does not
 * repeat them on every export.
 */
const TOLD_BY_EXPORT_HEALTH = [
  /^PeriodicExportingMetricReader: metrics export timed out/,
  /^Dropped \d+ spans because maxQueueSize reached/,
];

function toldByExportHealth(message: string): boolean {
  for (let i = 0; i < TOLD_BY_EXPORT_HEALTH.length; i++) if (TOLD_BY_EXPORT_HEALTH[i]!.test(message)) return true;
  return false;
}

const diagBridge: DiagLogger = {
  error: (m, ...a) => (toldByExportHealth(m) ? agentLog.debug(m, ...a) : agentLog.error(m, ...a)),
  warn: (m, ...a) => (toldByExportHealth(m) ? agentLog.debug(m, ...a) : agentLog.warn(m, ...a)),
  info: (m, ...a) => agentLog.info(m, ...a),
  debug: (m, ...a) => agentLog.debug(m, ...a),
  verbose: (m, ...a) => { if (level >= DiagLogLevel.VERBOSE) write(' verbose', [m, ...a]); },
};

export function setAgentLogLevel(name: string): void {
  level = LEVELS[name] ?? DiagLogLevel.WARN;
  diag.setLogger(diagBridge, { logLevel: level, suppressOverrideMessage: true });
}
