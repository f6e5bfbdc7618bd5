import { describe, expect, it } from 'vitest';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BatchLogExportProcessor, BatchSpanExportProcessor, type ItemSender } from '../../agent/export/batch-processors';
import { PeriodicReader } from '../../agent/export/periodic-reader';
import { runScriptToExit } from '../helpers/run-app';

/**
 * The agent's batch span and log record processors and its periodic metric reader replace the
 * SDK's BatchSpanProcessor, BatchLogRecordProcessor and PeriodicExportingMetricReader for OTLP
 * export. Why: the SDK's hold a ref'd timer for every export in flight, so an export stuck on a
 * collector that is down keeps an app whose work is done alive (first block). What must not
 * change: what they deliver (second block).
 */

const LIFETIME = 'test/fixtures/export/sdk-export-lifetime.cjs';
const EXPORT_TIMEOUT_MS = 2500;

/** Runs test/fixtures/export/sdk-export-lifetime.cjs: how long the process lived after the app's own work ended. */
async function livedAfterAppDone(component: string): Promise<number> {
  const run = await runScriptToExit(LIFETIME, { COMPONENT: component, EXPORT_TIMEOUT_MS: String(EXPORT_TIMEOUT_MS) }, 20_000);
  const at = (what: string) => Number(run.stdout.match(new RegExp(`${what} (\\d+)`))?.[1]);
  const [exported, done, exit] = [at('EXPORT'), at('APP DONE'), at('EXIT')];
  if (![exported, done, exit].every(Number.isFinite) || exported > done) {
    throw new Error(`${component}: the export did not start while the app ran, or the process did not exit\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
  return exit - done;
}

describe('an export that never ends, once the app has nothing left to do', () => {
  for (const kind of ['span-processor', 'log-processor', 'metric-reader']) {
    it(`${kind}: upstream's keeps the process alive until its export timeout; the agent's does not`, async () => {
      const upstream = await livedAfterAppDone(`upstream-${kind}`);
      const agent = await livedAfterAppDone(`agent-${kind}`);
      expect(upstream).toBeGreaterThan(EXPORT_TIMEOUT_MS - 300 - 200); // started ~300 ms before the app was done
      expect(agent).toBeLessThan(500);
    });
  }
});

/** An item sender that records every batch and answers at once. */
function recordingSender<T>(): ItemSender<T> & { batches: T[][] } {
  const batches: T[][] = [];
  return { batches, send: async (items) => { batches.push([...items]); return { ok: true }; }, abort() {} };
}

const noOutcome = { exported() {}, refused() {} };

describe('what the agent\'s processors deliver is what upstream\'s deliver', () => {
  const batch = { scheduleDelayMs: 60_000, maxQueueSize: 2048, maxExportBatchSize: 512 };

  it('spans: the same sampled spans, in batches of at most maxExportBatchSize, on forceFlush', async () => {
    const upstreamExporter = new InMemorySpanExporter();
    const sender = recordingSender<ReadableSpan>();
    const ours = new BatchSpanExportProcessor(sender, noOutcome, batch);
    const provider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: upstreamExporter, scheduledDelayMillis: 60_000, maxExportBatchSize: 512, maxQueueSize: 2048 }), ours],
    });
    const tracer = provider.getTracer('compare');
    for (let i = 0; i < 1200; i++) tracer.startSpan(`s${i}`).end();
    await provider.forceFlush();
    const names = (spans: ReadableSpan[]) => spans.map((s) => s.name);
    expect(names(sender.batches.flat())).toEqual(names(upstreamExporter.getFinishedSpans()));
    expect(sender.batches.map((b) => b.length)).toEqual([512, 512, 176]);
    await provider.shutdown();
  });

  it('log records: the same records on forceFlush', async () => {
    const upstreamExporter = new InMemoryLogRecordExporter();
    const sender = recordingSender<ReadableLogRecord>();
    const provider = new LoggerProvider({
      processors: [new BatchLogRecordProcessor({ exporter: upstreamExporter, scheduledDelayMillis: 60_000 }), new BatchLogExportProcessor(sender, noOutcome, batch)],
    });
    const logger = provider.getLogger('compare');
    for (let i = 0; i < 700; i++) logger.emit({ body: `line ${i}`, attributes: { i } });
    await provider.forceFlush();
    const bodies = (records: ReadableLogRecord[]) => records.map((r) => r.body);
    expect(bodies(sender.batches.flat())).toEqual(bodies(upstreamExporter.getFinishedLogRecords()));
    expect(sender.batches.map((b) => b.length)).toEqual([512, 188]);
    await provider.shutdown();
  });

  it('a full batch is sent at once, a partial one after the schedule delay', async () => {
    const sender = recordingSender<ReadableLogRecord>();
    const provider = new LoggerProvider({ processors: [new BatchLogExportProcessor(sender, noOutcome, { scheduleDelayMs: 50, maxQueueSize: 100, maxExportBatchSize: 10 })] });
    const logger = provider.getLogger('schedule');
    for (let i = 0; i < 13; i++) logger.emit({ body: `r${i}` });
    await new Promise((r) => setImmediate(r));
    expect(sender.batches.map((b) => b.length)).toEqual([10]);
    const waitedFrom = Date.now();
    while (sender.batches.length < 2 && Date.now() - waitedFrom < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(sender.batches.map((b) => b.length)).toEqual([10, 3]);
    await provider.shutdown();
  });

  it('refuses and counts what does not fit while an export is on its way, and reports every export', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const sent: number[] = [];
    const sender: ItemSender<ReadableSpan> = { send: async (items) => { sent.push(items.length); await gate; return { ok: false, error: 'ECONNREFUSED' }; }, abort() {} };
    const outcome = { refused: 0, exported: [] as Array<[boolean, number, string | undefined]> };
    const processor = new BatchSpanExportProcessor(sender, {
      exported: (ok, items, error) => outcome.exported.push([ok, items, error]),
      refused: (items) => (outcome.refused += items),
    }, { scheduleDelayMs: 60_000, maxQueueSize: 64, maxExportBatchSize: 16 });
    const provider = new TracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('bounded');
    for (let i = 0; i < 200; i++) tracer.startSpan(`b${i}`).end();
    await new Promise((r) => setImmediate(r));
    // 16 in the export in flight, 64 held, the rest refused.
    expect(sent).toEqual([16]);
    expect(outcome.refused).toBe(200 - 16 - 64);
    release();
    await provider.forceFlush();
    expect(outcome.exported).toEqual([[false, 16, 'ECONNREFUSED'], [false, 16, 'ECONNREFUSED'], [false, 16, 'ECONNREFUSED'], [false, 16, 'ECONNREFUSED'], [false, 16, 'ECONNREFUSED']]);
    await provider.shutdown();
  });

  it('metrics: the same data from the agent\'s reader as from upstream\'s, in the exporter\'s temporality', async () => {
    const upstreamExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const ourExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const upstream = new PeriodicExportingMetricReader({ exporter: upstreamExporter, exportIntervalMillis: 60_000 });
    const ours = new PeriodicReader({ exporter: ourExporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [upstream, ours] });
    const meter = provider.getMeter('compare');
    const counter = meter.createCounter('requests');
    const histogram = meter.createHistogram('duration', { unit: 's' });
    meter.createObservableGauge('heap').addCallback((r) => r.observe(42, { space: 'old' }));
    for (let round = 0; round < 2; round++) {
      counter.add(3, { route: '/a' });
      counter.add(1, { route: '/b' });
      histogram.record(0.2 * (round + 1), { route: '/a' });
      await provider.forceFlush();
    }
    const shape = (exports: ResourceMetrics[]) => exports.map((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => ({
      name: m.descriptor.name,
      temporality: m.aggregationTemporality,
      points: m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
    }))));
    const got = shape(ourExporter.getMetrics());
    expect(got).toEqual(shape(upstreamExporter.getMetrics()));
    expect(got).toHaveLength(2);
    expect(got[1]!.find((m) => m.name === 'requests')?.temporality).toBe(AggregationTemporality.DELTA);
    await provider.shutdown();
  });

  it('metrics: a failed export goes to the global error handler and the next run still exports', async () => {
    let calls = 0;
    const exporter = {
      export: (_m: ResourceMetrics, cb: (r: { code: ExportResultCode; error?: Error }) => void) => {
        calls++;
        cb(calls === 1 ? { code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') } : { code: ExportResultCode.SUCCESS });
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const reader = new PeriodicReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    provider.getMeter('m').createCounter('c').add(1);
    await provider.forceFlush();
    await provider.forceFlush();
    expect(calls).toBe(2);
    await provider.shutdown();
    expect(calls).toBe(3); // shutdown exports once more
  });
});
