import { metrics } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { counter, gauge, histogram } from '../../agent/metrics/business';
import {
  ConsoleMetricsTracker, OtelMetricsTracker, getMetricsTracker, setMetricsTracker, type MetricsTracker,
} from '../../agent/metrics/trackers';
import { histogramMetric, newProvider, value, histogramCount, type TestReader } from './metric-reader';

// Business helpers and trackers go through the global meter provider, as in an app under the agent.
let reader: TestReader;

beforeAll(() => {
  const setup = newProvider();
  reader = setup.reader;
  expect(metrics.setGlobalMeterProvider(setup.provider)).toBe(true);
});
afterAll(() => metrics.disable());

describe('counter(), histogram(), gauge()', () => {
  it('records values with attributes, as business metrics of an app do', async () => {
    const sessions = counter('app.user.sessions', { description: 'User sessions started' });
    sessions.add(1, { tenant: 'acme', user_type: 'student' });
    sessions.add(2, { tenant: 'acme', user_type: 'student' });
    counter('app.user.sessions').add(1, { tenant: 'globex', user_type: 'teacher' });
    histogram('app.enrollment.duration', { unit: 's', buckets: [0.5, 0.1, 1] }).record(0.3, { course_type: 'math' });
    gauge('app.federation.instances').record(4, { tenant: 'acme' });
    gauge('app.federation.instances').record(6, { tenant: 'acme' });

    const m = await reader.metrics();
    expect(value(m, 'app.user.sessions', { tenant: 'acme' })).toBe(3);
    expect(value(m, 'app.user.sessions', { tenant: 'globex' })).toBe(1);
    expect(histogramCount(m, 'app.enrollment.duration', { course_type: 'math' })).toBe(1);
    // Buckets are sorted: an unsorted list from the app must not break the histogram.
    expect(histogramMetric(m, 'app.enrollment.duration')!.dataPoints[0]!.value.buckets.boundaries).toEqual([0.1, 0.5, 1]);
    expect(histogramMetric(m, 'app.enrollment.duration')!.descriptor.unit).toBe('s');
    expect(value(m, 'app.federation.instances', { tenant: 'acme' })).toBe(6);
  });

  it('returns the same instrument for the same name', () => {
    expect(counter('app.same')).toBe(counter('app.same'));
    expect(histogram('app.same.h')).toBe(histogram('app.same.h'));
    expect(gauge('app.same.g')).toBe(gauge('app.same.g'));
  });

  it('never throws on a bad name: one warning naming the call, and a no-op instrument', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const bad = counter('1 not a name');
      expect(() => bad.add(1)).not.toThrow();
      expect(() => histogram('').record(1)).not.toThrow();
      expect(() => gauge(undefined as unknown as string).record(1)).not.toThrow();
      const lines = stderr.mock.calls.map((c) => String(c[0]));
      expect(lines.some((l) => l.includes('counter("1 not a name"): invalid metric name'))).toBe(true);
      expect(lines.some((l) => l.includes('histogram(""): invalid metric name'))).toBe(true);
    } finally {
      stderr.mockRestore();
    }
    const names = (await reader.metrics()).map((x) => x.descriptor.name);
    expect(names).not.toContain('1 not a name');
  });
});

describe('MetricsTracker', () => {
  it('ConsoleMetricsTracker prints one line per report with running totals', () => {
    const lines: string[] = [];
    const t = new ConsoleMetricsTracker({ write: (l) => lines.push(l) });
    t.increment('messages.received', 1, { sender: 'a$x.com' });
    t.increment('messages.received', 2, { sender: 'a$x.com' });
    t.increment('messages.received', 1, { sender: 'b$y.com' });
    t.record('delivery.duration', 0.25);
    t.set('queue.depth', 7);
    t.error(Object.assign(new Error('Rate limit exceeded'), { code: 'RATE_LIMIT' }));
    expect(lines).toEqual([
      '[metrics] messages.received +1 (total 1) {"sender":"a$x.com"}',
      '[metrics] messages.received +2 (total 3) {"sender":"a$x.com"}',
      '[metrics] messages.received +1 (total 1) {"sender":"b$y.com"}',
      '[metrics] delivery.duration observed 0.25',
      '[metrics] queue.depth = 7',
      '[metrics] error RATE_LIMIT: Rate limit exceeded',
    ]);
  });

  it('ConsoleMetricsTracker survives a failing writer', () => {
    const t = new ConsoleMetricsTracker({ write: () => { throw new Error('stdout closed'); } });
    expect(() => t.increment('x')).not.toThrow();
  });

  it('OtelMetricsTracker reports through OpenTelemetry instruments', async () => {
    const t = new OtelMetricsTracker({ namespace: 'btps', units: { 'delivery.duration': 's' } });
    t.increment('messages.received', 1, { sender: 'a' });
    t.increment('messages.received', 1, { sender: 'a' });
    t.record('delivery.duration', 0.2);
    t.set('queue.depth', 5);
    t.error(new TypeError('bad'));
    const m = await reader.metrics();
    expect(value(m, 'btps.messages.received', { sender: 'a' })).toBe(2);
    expect(histogramCount(m, 'btps.delivery.duration', {})).toBe(1);
    expect(histogramMetric(m, 'btps.delivery.duration')!.descriptor.unit).toBe('s');
    expect(value(m, 'btps.queue.depth', {})).toBe(5);
    expect(value(m, 'btps.errors', { 'error.type': 'TypeError' })).toBe(1);
  });

  it('lets an app plug in its own tracker (the MetricsTracker pattern)', () => {
    const seen: string[] = [];
    class AuditTracker implements MetricsTracker {
      increment(name: string, v = 1) { seen.push(`${name}+${v}`); }
      record(name: string, v: number) { seen.push(`${name}=${v}`); }
      set(name: string, v: number) { seen.push(`${name}:${v}`); }
      error(e: unknown) { seen.push(`error:${(e as Error).message}`); }
    }
    expect(getMetricsTracker()).toBeInstanceOf(OtelMetricsTracker);
    setMetricsTracker(new AuditTracker());
    // App code only knows the interface.
    const onMessage = (tracker: MetricsTracker) => tracker.increment('messages.received');
    onMessage(getMetricsTracker());
    getMetricsTracker().error(new Error('x'));
    expect(seen).toEqual(['messages.received+1', 'error:x']);
  });
});
