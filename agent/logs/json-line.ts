import { context, trace, type Context } from '@opentelemetry/api';

/** Where @opentelemetry/winston-transport looks for the context a record was logged in. */
export const OTEL_CONTEXT_SYMBOL = Symbol.for('opentelemetry.js.contrib.winston.context');
/** winston's (triple-beam's) keys. */
export const MESSAGE = Symbol.for('message');
export const LEVEL = Symbol.for('level');

/** Correlation fields, named as instrumentation-winston names them (and the collector expects). */
export interface TraceFields {
  trace_id: string;
  span_id: string;
  trace_flags: string;
}

export function traceFields(ctx: Context = context.active()): TraceFields | undefined {
  const sc = trace.getSpan(ctx)?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags.toString(16).padStart(2, '0') };
}

/**
 * Adds trace_id / span_id / trace_flags (unless instrumentation-winston already did) and remembers
 * the active context, so the OTLP transport links the record to its span even if winston's stream
 * delivers it later.
 */
export function correlate(info: Record<string | symbol, unknown>): void {
  const ctx = context.active();
  if (info[OTEL_CONTEXT_SYMBOL] === undefined) info[OTEL_CONTEXT_SYMBOL] = ctx;
  if (info.trace_id !== undefined) return;
  const fields = traceFields(ctx);
  if (fields) {
    info.trace_id = fields.trace_id;
    info.span_id = fields.span_id;
    info.trace_flags = fields.trace_flags;
  }
}

const FIRST_KEYS = new Set(['timestamp', 'level', 'message', 'service', 'trace_id', 'span_id', 'trace_flags']);
const MAX_DEPTH = 12;

export function serializeError(err: Error, seen: Set<unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  for (const key of Object.keys(err)) out[key] = toJsonable((err as unknown as Record<string, unknown>)[key], seen, depth + 1);
  if (err.cause !== undefined) out.cause = toJsonable(err.cause, seen, depth + 1);
  return out;
}

/** Makes any value JSON-safe: errors keep their stack, cycles become "[Circular]", bigints strings. */
export function toJsonable(value: unknown, ancestors?: Set<unknown>, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  // Allocated only for object fields: most log fields are primitives.
  const seen = ancestors ?? new Set<unknown>();
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, seen, depth);
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((v) => toJsonable(v, seen, depth + 1));
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return (value as { toJSON(): unknown }).toJSON();
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = toJsonable((value as Record<string, unknown>)[key], seen, depth + 1);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * One JSON line: timestamp, level, message, service, trace fields first (stable order for people
 * scanning a terminal), then the caller's fields. `service` and `timestamp` exist only in the line,
 * not on the record, so the OTLP record does not repeat what the resource already says.
 */
export function formatLine(info: Record<string | symbol, unknown>, service: string, redact?: (v: unknown) => unknown): string {
  const line: Record<string, unknown> = {
    timestamp: typeof info.timestamp === 'string' ? info.timestamp : new Date().toISOString(),
    level: info[LEVEL] ?? info.level,
    message: info.message,
    service,
  };
  if (info.trace_id !== undefined) {
    line.trace_id = info.trace_id;
    line.span_id = info.span_id;
    line.trace_flags = info.trace_flags;
  }
  let rest: Record<string, unknown> = {};
  for (const key of Object.keys(info)) {
    if (!FIRST_KEYS.has(key)) rest[key] = toJsonable(info[key]);
  }
  if (redact) {
    try {
      rest = (redact(rest) as Record<string, unknown>) ?? rest;
    } catch {
      // Redaction is best effort here; the OTLP path is redacted again by the pipeline.
    }
  }
  Object.assign(line, rest);
  if (typeof line.message !== 'string') line.message = toJsonable(line.message);
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify({ timestamp: line.timestamp, level: line.level, message: String(info.message), service });
  }
}
