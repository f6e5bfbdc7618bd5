import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { currentTraceId, currentSpanId, withSpan } from '../../agent/tracing/api';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

describe('withSpan', () => {
  it('returns the value of a sync function and makes the span active', () => {
    let inside: string | undefined;
    const v = withSpan('sync-work', { 'work.kind': 'sync' }, () => {
      inside = currentTraceId();
      return 42;
    });
    expect(v).toBe(42);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('sync-work');
    expect(span.attributes['work.kind']).toBe('sync');
    expect(inside).toBe(span.spanContext().traceId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('awaits an async function, keeps context across awaits, and ends the span after it', async () => {
    let spanIdAfterAwait: string | undefined;
    const v = await withSpan('async-work', async () => {
      await new Promise((r) => setTimeout(r, 20));
      spanIdAfterAwait = currentSpanId();
      return 'done';
    });
    expect(v).toBe('done');
    const [span] = exporter.getFinishedSpans();
    expect(spanIdAfterAwait).toBe(span.spanContext().spanId);
    const ms = (span.duration[0] * 1e3) + span.duration[1] / 1e6;
    expect(ms).toBeGreaterThanOrEqual(15);
  });

  it('records the exception and ERROR status when a sync function throws, and rethrows it unchanged', () => {
    const err = new TypeError('bad input');
    expect(() => withSpan('throws', () => { throw err; })).toThrow(err);
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.events[0].attributes?.['exception.type']).toBe('TypeError');
  });

  it('records a rejection and rethrows it', async () => {
    const err = new Error('rejected');
    await expect(withSpan('rejects', async () => { throw err; })).rejects.toBe(err);
    const [span] = exporter.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events[0].attributes?.['exception.message']).toBe('rejected');
  });

  it('nests: an inner withSpan is a child of the outer one', () => {
    withSpan('outer', () => withSpan('inner', () => undefined));
    const [inner, outer] = exporter.getFinishedSpans();
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('handles non-Error throws', () => {
    expect(() => withSpan('string-throw', () => { throw 'plain string'; })).toThrow('plain string');
    const [span] = exporter.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events[0].attributes?.['exception.message']).toBe('plain string');
  });

  it('gives no trace id outside a span', () => {
    expect(currentTraceId()).toBeUndefined();
  });
});
