import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { AGENT_VERSION } from '../runtime/version';

export const TRACER_NAME = 'otel-companion';

/** The tracer for the app's own spans. Works (as a no-op) when the agent is disabled. */
export function getTracer(name: string = TRACER_NAME, version: string = AGENT_VERSION): Tracer {
  return trace.getTracer(name, version);
}

/** The active trace id (32 hex chars), or undefined outside a sampled or recording span. */
export function currentTraceId(): string | undefined {
  const span = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return undefined;
  return ctx.traceId;
}

/** The active span id, for log lines. */
export function currentSpanId(): string | undefined {
  const ctx = trace.getSpan(context.active())?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.spanId : undefined;
}

function fail(span: Span, err: unknown): void {
  try {
    if (err instanceof Error) span.recordException(err);
    else span.recordException({ name: 'NonErrorThrown', message: String(err) });
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  } catch {
    // Recording must never replace the app's own error.
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs `fn` inside a new active span (an activity of the app's own). Returns `fn`'s value, or its
 * promise; when `fn` throws or rejects, the span gets the exception and ERROR status, and the
 * error is rethrown unchanged.
 */
export function withSpan<T>(name: string, attributes: Attributes | undefined, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, a: Attributes | undefined | ((span: Span) => T), b?: (span: Span) => T): T {
  const fn = (typeof a === 'function' ? a : b) as (span: Span) => T;
  const attributes = typeof a === 'function' ? undefined : a;
  return getTracer().startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = fn(span);
    } catch (err) {
      fail(span, err);
      span.end();
      throw err;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => { span.end(); return value; },
        (err: unknown) => { fail(span, err); span.end(); throw err; },
      ) as T;
    }
    span.end();
    return result;
  });
}
