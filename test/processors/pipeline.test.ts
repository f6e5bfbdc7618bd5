import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type Sampler,
} from '@opentelemetry/sdk-trace';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../agent/bootstrap/load-config';
import { redactCommandLine, Redactor, type ProcessorPipeline } from '../../agent/processors';
import { processorPipelineFor } from '../../agent/bootstrap/start-agent';

function pipelineFrom(env: Record<string, string> = {}): ProcessorPipeline {
  const { config } = loadConfig({ ...env });
  return processorPipelineFor(config, env);
}

function tracing(pipeline: ProcessorPipeline, base: Sampler = new AlwaysOnSampler()) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: pipeline.wrapSampler(base),
    spanProcessors: pipeline.wrapSpanProcessors([new SimpleSpanProcessor({ exporter })]),
  });
  return { exporter, tracer: provider.getTracer('test'), provider };
}

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  context.disable();
});

describe('filtering in the sampler', () => {
  it('drops the whole trace of /health, /ready, /metrics, children included, even under an always_on base sampler', () => {
    const { exporter, tracer } = tracing(pipelineFrom());
    for (const path of ['/health', '/health/live', '/ready/', '/metrics', '/users/1']) {
      tracer.startActiveSpan(`GET ${path}`, { kind: SpanKind.SERVER, attributes: { 'url.path': path } }, (server) => {
        tracer.startActiveSpan('pg.query:SELECT', { kind: SpanKind.CLIENT }, (child) => {
          tracer.startSpan('grandchild').end();
          child.end();
        });
        server.end();
      });
    }
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual(['GET /users/1', 'grandchild', 'pg.query:SELECT']);
  });

  it('routes are configurable', () => {
    const { exporter, tracer } = tracing(pipelineFrom({ OTEL_COMPANION_IGNORE_ROUTES: '/internal/*,/ping' }));
    for (const path of ['/health', '/internal/x', '/ping', '/ping?x=1']) {
      tracer.startSpan('s', { kind: SpanKind.SERVER, attributes: { 'url.path': path } }).end();
    }
    expect(exporter.getFinishedSpans().map((s) => s.attributes['url.path'])).toEqual(['/health']);
    const all = tracing(pipelineFrom({ OTEL_COMPANION_IGNORE_ROUTES: 'none' }));
    all.tracer.startSpan('s', { kind: SpanKind.SERVER, attributes: { 'url.path': '/health' } }).end();
    expect(all.exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('drops outgoing calls to the collector itself (sampler and http ignore hook)', () => {
    const pipeline = pipelineFrom();
    const { exporter, tracer } = tracing(pipeline);
    tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes: { 'url.full': 'http://localhost:4318/v1/traces' } }).end();
    tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'url.full': 'http://localhost:9999/api' } }).end();
    expect(exporter.getFinishedSpans().map((s) => s.attributes['url.full'])).toEqual(['http://localhost:9999/api']);
    const ignore = pipeline.httpConfig.ignoreOutgoingRequestHook!;
    expect(ignore({ hostname: '127.0.0.1', port: 4318, path: '/v1/logs' })).toBe(true);
    expect(ignore({ host: 'localhost:4318', port: 4318 })).toBe(true);
    expect(ignore({ hostname: '127.0.0.1', port: 5432 })).toBe(false);
  });
});

describe('redaction of spans, events and logs', () => {
  it('redacts span names, attributes, exception events and the status message before export', () => {
    const { exporter, tracer } = tracing(pipelineFrom());
    const span = tracer.startSpan('GET https://ops:pw-123@api.example.com/x', {
      attributes: { 'url.full': 'https://api.example.com/x?token=abc', 'user.password': 'p', 'db.query.text': "SELECT 'x'" },
    });
    const err = new Error('session expired for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl');
    span.recordException(err);
    span.addEvent('note', { note: 'mail a@example.com' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    span.end();
    const [s] = exporter.getFinishedSpans();
    expect(s!.name).toBe('GET https://[REDACTED]api.example.com/x');
    expect(s!.attributes).toMatchObject({ 'url.full': 'https://api.example.com/x?token=[REDACTED]', 'user.password': '[REDACTED]', 'db.query.text': 'SELECT ?' });
    const exc = s!.events.find((e) => e.name === 'exception')!;
    expect(String(exc.attributes!['exception.message'])).toBe('session expired for [REDACTED:jwt]');
    expect(String(exc.attributes!['exception.stacktrace'])).not.toContain('eyJ');
    expect(s!.events.find((e) => e.name === 'note')!.attributes).toEqual({ note: 'mail a***@example.com' });
    expect(s!.status.message).toBe('session expired for [REDACTED:jwt]');
  });

  it('redacts a span once for every processor behind it', () => {
    const pipeline = pipelineFrom();
    const a = new InMemorySpanExporter();
    const b = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: pipeline.wrapSpanProcessors([new SimpleSpanProcessor({ exporter: a }), new SimpleSpanProcessor({ exporter: b })]),
    });
    provider.getTracer('t').startSpan('s', { attributes: { q: 'password=x1y2z3' } }).end();
    expect(a.getFinishedSpans()[0]!.attributes.q).toBe('password=[REDACTED]');
    expect(b.getFinishedSpans()[0]!.attributes.q).toBe('password=[REDACTED]');
  });

  it('redacts log bodies (string and structured) and attributes, nested maps included', () => {
    const pipeline = pipelineFrom();
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: pipeline.wrapLogRecordProcessors([new SimpleLogRecordProcessor({ exporter })]) });
    const logger = provider.getLogger('t');
    logger.emit({ severityNumber: SeverityNumber.WARN, body: 'upstream said Authorization: Bearer abcdefgh12345678', attributes: { meta: { user: { apiKey: 'k-1' }, mail: 'bob@example.org' } } });
    logger.emit({ body: { msg: 'card 4111 1111 1111 1111', password: 'x' } });
    const [first, second] = exporter.getFinishedLogRecords();
    expect(first!.body).toBe('upstream said Authorization: Bearer [REDACTED]');
    expect(first!.attributes.meta).toEqual({ user: { apiKey: '[REDACTED]' }, mail: 'b***@example.org' });
    expect(second!.body).toEqual({ msg: 'card [REDACTED:card_number]', password: '[REDACTED]' });
  });

  it('pipeline.redact (business-event meta) uses the same rules and never throws', () => {
    const pipeline = pipelineFrom({ OTEL_COMPANION_REDACT_KEYS: 'tenant_secret_ref' });
    expect(pipeline.redact({ tenantSecretRef: 'x', note: 'AKIAIOSFODNN7EXAMPLE' })).toEqual({ tenantSecretRef: '[REDACTED]', note: '[REDACTED:aws_access_key]' });
    const cyc: Record<string, unknown> = {};
    cyc.me = cyc;
    expect(() => pipeline.redact(cyc)).not.toThrow();
  });

  it('OTEL_COMPANION_REDACTION=false turns redaction off (and says so)', () => {
    const pipeline = pipelineFrom({ OTEL_COMPANION_REDACTION: 'false' });
    expect(pipeline.rules).toBeUndefined();
    expect(pipeline.redact({ password: 'x' })).toEqual({ password: 'x' });
  });

  it('follows OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', () => {
    const pipeline = pipelineFrom({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100' });
    expect(pipeline.rules!.valueLengthLimit).toBe(100);
    expect((pipeline.redact('z'.repeat(1000)) as string).length).toBe(100);
  });
});

describe('settings and enrichment', () => {
  it('env and config-file settings reach the rules; a broken pattern is one problem, not a lost setting', () => {
    const pipeline = pipelineFrom({ OTEL_COMPANION_REDACT_PATTERNS: '-email,ticket=/TCK-(/,order=/ORD-[0-9]+/' });
    expect(pipeline.rules!.patternNames).not.toContain('email');
    expect(pipeline.rules!.patternNames).toContain('order');
    expect(pipeline.rules!.problems).toHaveLength(1);
    expect(pipeline.rules!.problems[0]!.item).toBe('ticket=/TCK-(/');
  });

  it('copies chosen request headers to attributes (x-tenant-id → tenant.id by default, settable from env)', () => {
    const def = pipelineFrom();
    const req = { headers: { 'x-tenant-id': 'acme', 'x-region': ['eu', 'us'] } } as unknown as IncomingMessage;
    expect(def.httpConfig.startIncomingSpanHook!(req)).toEqual({ 'tenant.id': 'acme' });
    const custom = pipelineFrom({ OTEL_COMPANION_HEADER_ATTRIBUTES: 'x-tenant-id=tenant.id,x-region=cloud.region' });
    expect(custom.httpConfig.startIncomingSpanHook!(req)).toEqual({ 'tenant.id': 'acme', 'cloud.region': 'eu, us' });
  });

  it('captures headers by name from env, and records bound parameters only on opt-in', () => {
    expect(pipelineFrom().httpConfig.headersToSpanAttributes).toBeUndefined();
    expect(pipelineFrom().pgConfig.enhancedDatabaseReporting).toBe(false);
    const p = pipelineFrom({ OTEL_COMPANION_CAPTURE_HEADERS: 'Authorization,x-request-id', OTEL_COMPANION_DB_RECORD_PARAMETERS: 'true' });
    expect(p.httpConfig.headersToSpanAttributes!.server!.requestHeaders).toEqual(['authorization', 'x-request-id']);
    expect(p.pgConfig.enhancedDatabaseReporting).toBe(true);
  });

  it('deployment.environment.name from OTEL_COMPANION_DEPLOYMENT_ENVIRONMENT, else NODE_ENV, never over OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(pipelineFrom({ NODE_ENV: 'production' }).resourceAttributes).toEqual({ 'deployment.environment.name': 'production' });
    expect(pipelineFrom({ NODE_ENV: 'production', OTEL_COMPANION_DEPLOYMENT_ENVIRONMENT: 'staging' }).resourceAttributes).toEqual({ 'deployment.environment.name': 'staging' });
    expect(pipelineFrom({ NODE_ENV: 'production', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=qa' }).resourceAttributes).toEqual({});
  });

  it('the config-file example of docs/redaction.md works as documented', () => {
    const doc = readFileSync(join(__dirname, '../../docs/redaction.md'), 'utf8');
    const example = /Example config file section:\n\n```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const file = join(mkdtempSync(join(tmpdir(), 'redaction-config-')), 'otel-companion.yaml');
    writeFileSync(file, example);
    const pipeline = pipelineFrom({ OTEL_COMPANION_CONFIG_FILE: file });
    const rules = pipeline.rules!;
    expect(rules.problems).toEqual([]);
    expect(rules.patternNames).toEqual(expect.arrayContaining(['iban', 'ticket']));
    expect(rules.patternNames).not.toContain('email');
    expect(pipeline.redact({ tenantSignatureRef: 'a', ticket: 'b', note: 'TCK-123456 for a@example.com' })).toEqual({ tenantSignatureRef: '[REDACTED]', ticket: '[REDACTED]', note: '[REDACTED:ticket] for a@example.com' });
    expect(new Redactor(rules).url('/buy?voucher=FREE1&qty=2')).toBe('/buy?voucher=[REDACTED]&qty=2');
    const req = { headers: { 'x-region': 'eu' } } as unknown as IncomingMessage;
    expect(pipeline.httpConfig.startIncomingSpanHook!(req)).toEqual({ 'cloud.region': 'eu' });
    const { exporter, tracer } = tracing(pipeline);
    for (const path of ['/internal/jobs', '/users']) tracer.startSpan('s', { kind: SpanKind.SERVER, attributes: { 'url.path': path } }).end();
    expect(exporter.getFinishedSpans().map((s) => s.attributes['url.path'])).toEqual(['/users']);
  });

  it('process.command_args: --flag=value and the argument after a flag that names a secret', () => {
    const red = new Redactor(pipelineFrom().rules!);
    expect(redactCommandLine(red, ['node', '--require', 'otel-companion/register', 'app.js', '--db-password=pw1', '--api-token', 'tok2', '--port', '3000', '--verbose']))
      .toEqual(['node', '--require', 'otel-companion/register', 'app.js', '--db-password=[REDACTED]', '--api-token', '[REDACTED]', '--port', '3000', '--verbose']);
  });

  it('an invalid route is reported by the config loader and the default is used', () => {
    const { config, problems } = loadConfig({ OTEL_COMPANION_IGNORE_ROUTES: 'health' });
    expect(problems.map((p) => p.where)).toContain('OTEL_COMPANION_IGNORE_ROUTES');
    expect(config.processors.ignoreRoutes).toContain('/health');
  });
});

describe('trace API sanity', () => {
  it('the context manager used here propagates parents (guards the filtering test)', () => {
    const { tracer } = tracing(pipelineFrom());
    tracer.startActiveSpan('p', (p) => {
      expect(trace.getActiveSpan()).toBe(p);
      p.end();
    });
  });
});
