import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { recordEvent, startExecution } from '../../agent/events';
import { flattenForAttributes } from '../../agent/events/meta';

class CollectingReader extends MetricReader {
  protected onShutdown(): Promise<void> { return Promise.resolve(); }
  protected onForceFlush(): Promise<void> { return Promise.resolve(); }
}

const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
const reader = new CollectingReader();

async function eventCounts(): Promise<Array<{ attributes: Record<string, unknown>; value: number }>> {
  const { resourceMetrics } = await reader.collect();
  const out: Array<{ attributes: Record<string, unknown>; value: number }> = [];
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics) {
      if (m.descriptor.name !== 'app.events') continue;
      for (const p of m.dataPoints as DataPoint<number>[]) out.push({ attributes: { ...p.attributes }, value: p.value });
    }
  }
  return out;
}

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logRecords })] }));
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  logs.disable();
  context.disable();
});
beforeEach(() => {
  spans.reset();
  logRecords.reset();
});

describe('recordEvent', () => {
  it('adds a span event to the active span, emits a log record and counts app.events', async () => {
    const before = await eventCounts();
    const tracer = trace.getTracer('test');
    let traceId = '';
    tracer.startActiveSpan('import', (span) => {
      traceId = span.spanContext().traceId;
      const recorded = recordEvent('participants-imported', { nr_of_imported_participants: 3 }, { context: 'import-participants' });
      expect(recorded?.execution_id).toBe(traceId);
      span.end();
    });

    const [span] = spans.getFinishedSpans();
    expect(span!.name).toBe('import');
    expect(span!.events).toHaveLength(1);
    expect(span!.events[0]!.name).toBe('participants-imported');
    expect(span!.events[0]!.attributes).toMatchObject({
      'event.context': 'import-participants', execution_id: traceId, 'meta.nr_of_imported_participants': 3,
    });

    const [record] = logRecords.getFinishedLogRecords();
    expect(record!.eventName).toBe('participants-imported');
    expect(record!.attributes).toMatchObject({
      'event.name': 'participants-imported', 'event.context': 'import-participants', execution_id: traceId,
      meta: { nr_of_imported_participants: 3 },
    });
    expect(Date.parse(String(record!.attributes.event_date))).toBeGreaterThan(Date.now() - 60_000);
    expect(record!.spanContext?.traceId).toBe(traceId);

    const after = await eventCounts();
    const key = (p: { attributes: Record<string, unknown> }) => p.attributes['event.name'] === 'participants-imported' && p.attributes['event.context'] === 'import-participants';
    expect((after.find(key)?.value ?? 0) - (before.find(key)?.value ?? 0)).toBe(1);
    expect(Object.keys(after.find(key)!.attributes).sort()).toEqual(['event.context', 'event.name']);
  });

  it('without an active span, records on a short span of its own and uses its trace id', () => {
    const recorded = recordEvent('resource-not-found', { collection: 'participants', id: 9 });
    const finished = spans.getFinishedSpans();
    expect(finished).toHaveLength(1);
    expect(finished[0]!.name).toBe('resource-not-found');
    expect(finished[0]!.events.map((e) => e.name)).toEqual(['resource-not-found']);
    expect(recorded?.execution_id).toBe(finished[0]!.spanContext().traceId);
    expect(logRecords.getFinishedLogRecords()).toHaveLength(1);
  });

  it('merges array meta left to right, the last key winning', () => {
    const recorded = recordEvent('merge', [{ a: 1, b: 1 }, { b: 2, c: 2 }, { c: 3 }]);
    expect(recorded?.meta).toEqual({ a: 1, b: 2, c: 3 });
    expect(logRecords.getFinishedLogRecords()[0]!.attributes.meta).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('masks password at any depth, including inside arrays, without touching the caller\'s object', () => {
    const meta = { user: { name: 'ann', password: 'p1', profile: { credentials: [{ password: 'p2', Token: 't' }] } }, password: 'p0' };
    const recorded = recordEvent('login', meta);
    expect(recorded?.meta).toEqual({ user: { name: 'ann', password: '[REDACTED]', profile: { credentials: [{ password: '[REDACTED]', Token: '[REDACTED]' }] } }, password: '[REDACTED]' });
    const text = JSON.stringify([spans.getFinishedSpans()[0]!.events, logRecords.getFinishedLogRecords()[0]!.attributes]);
    for (const secret of ['p0', 'p1', 'p2']) expect(text).not.toContain(`"${secret}"`);
    expect(meta.user.password).toBe('p1');
  });

  it('an explicit executionId wins; bad input never throws', () => {
    expect(recordEvent('x', undefined, { executionId: 'exec-1' })?.execution_id).toBe('exec-1');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => recordEvent('cyclic', cyclic)).not.toThrow();
    expect(recordEvent('', {})).toBeUndefined();
    expect(() => recordEvent(undefined as unknown as string, 5 as never)).not.toThrow();
  });
});

describe('flattenForAttributes', () => {
  it('dots nested keys, keeps arrays of one type, writes other arrays as JSON (joined when JSON cannot), leaves functions and symbols out', () => {
    const meta = { a: { b: 1 }, tags: ['x', 'y'], mixed: [1, 'a'], empty: [], big: [1n, 2n], fn: () => 1, sym: Symbol('s'), none: null };
    // Strict: a key present with an undefined value is not the same as a key left out.
    expect(flattenForAttributes(meta, 'meta.')).toStrictEqual({
      'meta.a.b': 1, 'meta.tags': ['x', 'y'], 'meta.mixed': '[1,"a"]', 'meta.empty': '[]', 'meta.big': '1,2',
    });
  });
});

describe('startExecution', () => {
  it('binds one execution id and context, with its meta merged under each event\'s meta', () => {
    const exec = startExecution('import-participants', { nr_of_imported_participants: 2, password: 'x' });
    expect(exec.executionId).toMatch(/^[0-9a-f-]{32,36}$/);
    const started = exec.recordEvent('import-participants-started');
    const failed = exec.recordEvent('import-participants-failed', [{ reason: 'email missing' }, { nr_of_imported_participants: 1 }]);
    expect(started).toMatchObject({ context: 'import-participants', execution_id: exec.executionId, meta: { nr_of_imported_participants: 2, password: '[REDACTED]' } });
    expect(failed).toMatchObject({ context: 'import-participants', execution_id: exec.executionId, meta: { nr_of_imported_participants: 1, reason: 'email missing' } });
  });

  it('inside a trace, the execution id is the trace id', () => {
    trace.getTracer('test').startActiveSpan('job', (span) => {
      expect(startExecution('job').executionId).toBe(span.spanContext().traceId);
      span.end();
    });
  });
});
