/**
 * Redaction never fails open: a span, span event or log record that cannot be redacted reaches no
 * path at all (OTLP export, the dev tree view, /_profile), and is counted. The agent's own wiring
 * (the processors pipeline in front of the exporting and dev-view processors) is used, with the
 * redactor forced to throw on chosen items; healthy items in the same run show that every path works.
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually } from '../stack/stack-binaries';
import { REPO_ROOT } from '../helpers/run-app';

// The compiled agent (npm test builds first): the dev view loads the converters lazily at run time,
// as it does in an app.
const dist = (path: string): unknown => createRequire(__filename)(`${REPO_ROOT}/dist/${path}`);
const { loadConfig } = dist('agent/bootstrap/load-config.js') as typeof import('../../agent/bootstrap/load-config');
const { processorPipelineFor } = dist('agent/bootstrap/start-agent.js') as typeof import('../../agent/bootstrap/start-agent');
const { createDevView } = dist('agent/devview/index.js') as typeof import('../../agent/devview');
const { Redactor } = dist('agent/processors/index.js') as typeof import('../../agent/processors');
const { droppedTotals } = dist('agent/runtime/export-health.js') as typeof import('../../agent/runtime/export-health');
const { traceIdToUuid } = dist('converters/ids.js') as typeof import('../../converters/ids');
type Redactor = import('../../agent/processors').Redactor;

const BOOM = 'boom-cannot-redact';
const droppedFor = (signal: string) => droppedTotals().find((d) => d.signal === signal && d.reason === 'redaction_failed')?.items ?? 0;

describe('a redaction failure drops the item on every path', () => {
  const env = { OTEL_COMPANION_DEV: '1', OTEL_COMPANION_PROFILE: '1', OTEL_LOG_LEVEL: 'warn' };
  const spans = new InMemorySpanExporter();
  const records = new InMemoryLogRecordExporter();
  let stderr = '';
  let server: Server;
  let base: string;
  let uninstall: () => void;
  let traces: TracerProvider;
  let loggers: LoggerProvider;
  const before = { traces: 0, logs: 0 };

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    // The redactor throws on the chosen items only: an attribute value, a span event name, a log body.
    const text = Redactor.prototype.text;
    vi.spyOn(Redactor.prototype, 'text').mockImplementation(function (this: Redactor, value: string) {
      if (value.includes(BOOM)) throw new Error('redactor bug');
      return text.call(this, value);
    });
    const inPlace = Redactor.prototype.attributesInPlace;
    vi.spyOn(Redactor.prototype, 'attributesInPlace').mockImplementation(function (this: Redactor, attrs?: Record<string, unknown>) {
      if (attrs && Object.values(attrs).includes(BOOM)) throw new Error('redactor bug');
      return inPlace.call(this, attrs);
    });

    const { config } = loadConfig(env);
    const pipeline = processorPipelineFor(config, env);
    const devView = createDevView(config.devview, env);
    expect(devView.profiles).toBeDefined();
    traces = new TracerProvider({ spanProcessors: pipeline.wrapSpanProcessors([new SimpleSpanProcessor({ exporter: spans }), ...devView.spanProcessors]) });
    loggers = new LoggerProvider({ processors: pipeline.wrapLogRecordProcessors([new SimpleLogRecordProcessor({ exporter: records }), ...devView.logRecordProcessors]) });
    uninstall = devView.install();
    // An app server created after the agent's /_profile hook, as in a real app.
    server = createServer((_req, res) => res.end('app'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    before.traces = droppedFor('traces');
    before.logs = droppedFor('logs');
  });

  afterAll(async () => {
    server?.close();
    uninstall?.();
    await Promise.all([traces?.shutdown(), loggers?.shutdown()]);
    vi.restoreAllMocks();
    context.disable();
  });

  const profile = (traceId: string) => fetch(`${base}/_profile/?id=${traceIdToUuid(traceId)}`).then((r) => r.status);

  it('spans: an attribute or a span event that cannot be redacted keeps the whole span off every path', async () => {
    const tracer = traces.getTracer('test');
    const logger = loggers.getLogger('test');
    const badAttribute = tracer.startSpan('bad attribute', { attributes: { 'user.note': BOOM } });
    badAttribute.end();
    const badEvent = tracer.startSpan('bad event');
    badEvent.addEvent(`checkout ${BOOM}`);
    badEvent.end();
    const good = tracer.startSpan('good span', { attributes: { 'user.note': 'password=hunter2' } });
    context.with(trace.setSpan(context.active(), good), () => logger.emit({ body: 'inside the good span' }));
    good.end();

    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['good span']);
    expect(spans.getFinishedSpans()[0]!.attributes['user.note']).toBe('password=[REDACTED]');
    const goodTrace = good.spanContext().traceId;
    await eventually('the good trace on /_profile', async () => ((await profile(goodTrace)) === 200 ? true : undefined), 5000, 50);
    expect(await profile(badAttribute.spanContext().traceId)).toBe(404);
    expect(await profile(badEvent.spanContext().traceId)).toBe(404);
    // The dev tree view (stderr) shows the good trace only.
    expect(stderr).toContain('good span');
    expect(stderr).not.toContain('bad attribute');
    expect(stderr).not.toContain('bad event');
    expect(stderr).not.toContain(BOOM);
    expect(droppedFor('traces') - before.traces).toBe(2);
  });

  it('log records: a body that cannot be redacted reaches neither the exporter nor the dev view', () => {
    const logger = loggers.getLogger('test');
    const span = traces.getTracer('test').startSpan('log holder');
    context.with(trace.setSpan(context.active(), span), () => {
      logger.emit({ body: `payment ${BOOM}` });
      logger.emit({ body: 'healthy record' });
    });
    span.end();
    const bodies = records.getFinishedLogRecords().map((r) => r.body);
    expect(bodies).toContain('healthy record');
    expect(bodies.some((b) => String(b).includes(BOOM))).toBe(false);
    expect(stderr).not.toContain(BOOM);
    expect(droppedFor('logs') - before.logs).toBe(1);
  });

  it('says so once on stderr, naming what happened', () => {
    const lines = stderr.split('\n').filter((l) => l.includes('redaction failed'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dropped on every path/);
  });
});
