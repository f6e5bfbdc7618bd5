import { randomUUID } from 'node:crypto';
import { context as otelContext, metrics, trace, SpanKind, type Counter, type MeterProvider, type Span } from '@opentelemetry/api';
import { logs, SeverityNumber, type AnyValueMap } from '@opentelemetry/api-logs';
import { getAgentRuntime } from '../runtime/running-agent';
import { AGENT_VERSION } from '../runtime/version';
import { agentLog } from '../runtime/agent-log';
import { ALWAYS_MASKED_KEYS_OFF, flattenForAttributes, maskMeta, mergeMeta, type EventMeta } from './meta';

export { type EventMeta } from './meta';

const SCOPE = 'otel-companion.events';

// Attribute names. `event.name` is the OTel name (semconv, incubating: copied rather than imported
// from the unstable entry point, as semconv advises); the rest are the event log's own fields.
export const ATTR_EVENT_NAME = 'event.name';
export const ATTR_EVENT_CONTEXT = 'event.context';
export const ATTR_EXECUTION_ID = 'execution_id';
export const ATTR_EVENT_DATE = 'event_date';
/** Counter of every business event; Prometheus sees app_events_total{event_name,event_context}. */
export const EVENTS_COUNTER = 'app.events';

export interface RecordEventOptions {
  /** Where the event happens, e.g. the flow `import-participants`. */
  context?: string;
  /** Groups the events of one execution. Default: the current trace id (a new UUID outside any trace). */
  executionId?: string;
  /** Severity of the log record. Default info. */
  severity?: 'info' | 'warn' | 'error';
}

/** One recorded event, as it appears in the event log. */
export interface BusinessEvent {
  event_name: string;
  event_date: string;
  context: string;
  execution_id: string;
  meta: Record<string, unknown>;
}

const SEVERITY: Record<NonNullable<RecordEventOptions['severity']>, SeverityNumber> = {
  info: SeverityNumber.INFO, warn: SeverityNumber.WARN, error: SeverityNumber.ERROR,
};

let counterFor: { provider: MeterProvider; counter: Counter } | undefined;

function eventsCounter(): Counter {
  const provider = metrics.getMeterProvider();
  if (counterFor?.provider !== provider) {
    const counter = provider.getMeter(SCOPE, AGENT_VERSION).createCounter(EVENTS_COUNTER, {
      unit: '{event}',
      description: 'Business events recorded with recordEvent(), by event name and context.',
    });
    counterFor = { provider, counter };
  }
  return counterFor.counter;
}

/**
 * The processors' redaction rules when the agent runs (they cover password and friends, and the
 * user may tune or turn them off); the built-in list when it does not. Either way the caller's
 * objects are copied, never changed.
 */
function redactMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const agent = getAgentRuntime();
  let value: unknown;
  try {
    value = agent ? agent.redact(maskMeta(meta, ALWAYS_MASKED_KEYS_OFF)) : maskMeta(meta);
  } catch {
    value = maskMeta(meta);
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function emit(event: BusinessEvent, span: Span, severity: SeverityNumber): void {
  const spanAttributes = {
    [ATTR_EVENT_CONTEXT]: event.context,
    [ATTR_EXECUTION_ID]: event.execution_id,
    [ATTR_EVENT_DATE]: event.event_date,
    ...flattenForAttributes(event.meta, 'meta.'),
  };
  span.addEvent(event.event_name, spanAttributes, new Date(event.event_date));

  const ctx = trace.setSpan(otelContext.active(), span);
  logs.getLogger(SCOPE, AGENT_VERSION).emit({
    eventName: event.event_name,
    severityNumber: severity,
    severityText: severity >= SeverityNumber.ERROR ? 'ERROR' : severity >= SeverityNumber.WARN ? 'WARN' : 'INFO',
    body: `${event.event_name}${event.context ? ` in ${event.context}` : ''}`,
    timestamp: new Date(event.event_date),
    context: ctx,
    attributes: {
      [ATTR_EVENT_NAME]: event.event_name,
      [ATTR_EVENT_CONTEXT]: event.context,
      [ATTR_EXECUTION_ID]: event.execution_id,
      [ATTR_EVENT_DATE]: event.event_date,
      meta: event.meta as AnyValueMap,
    },
  });

  eventsCounter().add(1, { [ATTR_EVENT_NAME]: event.event_name, [ATTR_EVENT_CONTEXT]: event.context });
}

/**
 * Records a business event through OpenTelemetry: a span event on the active span (or a
 * short span of its own), a log record with `event.name`, and `app.events` += 1. Returns what was
 * recorded, or undefined if recording failed. Never throws.
 */
export function recordEvent(eventName: string, meta?: EventMeta, options: RecordEventOptions = {}): BusinessEvent | undefined {
  try {
    const name = String(eventName ?? '').trim();
    if (!name) {
      agentLog.warn('recordEvent: event name is empty; event not recorded');
      return undefined;
    }
    const eventDate = new Date().toISOString();
    const eventMeta = redactMeta(mergeMeta(meta));
    const active = trace.getActiveSpan();
    // An active span that already ended (work deferred past the response) takes no more events:
    // the event then gets a short child span, in the same trace.
    const onActive = active !== undefined && active.isRecording();
    const span = onActive
      ? active
      : trace.getTracer(SCOPE, AGENT_VERSION).startSpan(name, { kind: SpanKind.INTERNAL, attributes: { [ATTR_EVENT_NAME]: name } });
    const traceId = span.spanContext().traceId;
    const event: BusinessEvent = {
      event_name: name,
      event_date: eventDate,
      context: options.context ?? '',
      execution_id: options.executionId ?? (trace.isSpanContextValid(span.spanContext()) ? traceId : randomUUID()),
      meta: eventMeta,
    };
    try {
      emit(event, span, SEVERITY[options.severity ?? 'info'] ?? SeverityNumber.INFO);
    } finally {
      if (!onActive) span.end();
    }
    return event;
  } catch (err) {
    agentLog.warn(`recordEvent(${JSON.stringify(String(eventName))}) failed: ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  }
}

/** One execution id and context for a run of events (an import, a job). */
export interface Execution {
  readonly executionId: string;
  readonly context: string;
  /** Base meta (already masked) merged under every event's own meta. */
  readonly meta: Readonly<Record<string, unknown>>;
  recordEvent(eventName: string, meta?: EventMeta, options?: Pick<RecordEventOptions, 'severity'>): BusinessEvent | undefined;
}

/**
 * Starts an execution: every event recorded through the handle shares its `execution_id` (the
 * current trace id, else a new UUID) and context, and carries
 * `meta` merged under the event's own meta. Never throws.
 */
export function startExecution(context: string, meta?: EventMeta, options: { executionId?: string } = {}): Execution {
  let executionId: string;
  let base: Record<string, unknown> = {};
  try {
    base = redactMeta(mergeMeta(meta));
    const sc = trace.getActiveSpan()?.spanContext();
    executionId = options.executionId ?? (sc && trace.isSpanContextValid(sc) ? sc.traceId : randomUUID());
  } catch {
    executionId = randomUUID();
  }
  const ctx = String(context ?? '');
  return {
    executionId,
    context: ctx,
    meta: base,
    recordEvent(eventName, eventMeta, eventOptions = {}) {
      const parts = Array.isArray(eventMeta) ? [base, ...(eventMeta as readonly (Record<string, unknown> | null | undefined)[])] : [base, eventMeta as Record<string, unknown> | undefined];
      return recordEvent(eventName, parts, { context: ctx, executionId, severity: eventOptions.severity });
    },
  };
}
