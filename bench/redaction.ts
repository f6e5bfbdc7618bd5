/**
 * Cost of the processors pipeline per span, log record and event meta: redaction on vs off,
 * side by side, in one run. Realistic telemetry of an Express + pg request: a server span with
 * a query string and captured headers, a pg span with literals, an express span, an error span
 * with an exception event, a log record with fields, and business-event meta.
 *
 *   npm run bench:redaction            (builds first; Node 24 runs this file directly)
 *   node bench/redaction.ts --rounds 7 --requests 40000
 *   npm run bench:redaction -- --write   also replace this bench's section of docs/benchmarks.md
 *
 * CommonJS on purpose (the package is "type": "commonjs"); it loads the built agent from dist/.
 */
const { join } = require('node:path') as typeof import('node:path');
const { cpus } = require('node:os') as typeof import('node:os');
const root = join(__dirname, '..');
const { SpanKind, SpanStatusCode } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
const { TracerProvider, AlwaysOnSampler } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
const { LoggerProvider } = require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
const { loadConfig } = require(join(root, 'dist/agent/bootstrap/load-config.js')) as typeof import('../agent/bootstrap/load-config');
const { processorPipelineFor } = require(join(root, 'dist/agent/bootstrap/start-agent.js')) as typeof import('../agent/bootstrap/start-agent');
const { Redactor, compileRules } = require(join(root, 'dist/agent/processors/index.js')) as typeof import('../agent/processors');
const { redactSpan } = require(join(root, 'dist/agent/processors/signal-processors.js')) as typeof import('../agent/processors/signal-processors');
const { numberArg, cpuNs, median, writeBenchSection } = require('./lib.ts') as import('./lib').BenchLib;

type Pipeline = import('../agent/processors').ProcessorPipeline;

const ROUNDS = numberArg('rounds', 5);
const REQUESTS = numberArg('requests', 20_000);

function pipelineWith(redaction: boolean): Pipeline {
  const env = { OTEL_COMPANION_REDACTION: String(redaction), OTEL_LOG_LEVEL: 'none' };
  const { config } = loadConfig(env);
  const saved = process.stderr.write.bind(process.stderr);
  process.stderr.write = (() => true) as typeof process.stderr.write; // silence the "redaction is OFF" line
  try {
    return processorPipelineFor(config, env);
  } finally {
    process.stderr.write = saved;
  }
}

let sink = 0;
const counting = {
  onStart() {}, onEnd() { sink++; }, onEmit() { sink++; },
  forceFlush: async () => {}, shutdown: async () => {},
};

function setup(redaction: boolean) {
  const pipeline = pipelineWith(redaction);
  const tracer = new TracerProvider({
    sampler: pipeline.wrapSampler(new AlwaysOnSampler()),
    spanProcessors: pipeline.wrapSpanProcessors([counting as never]),
  }).getTracer('bench');
  const logger = new LoggerProvider({ processors: pipeline.wrapLogRecordProcessors([counting as never]) }).getLogger('bench');
  return { pipeline, tracer, logger };
}

/**
 * A typical request of a pg app: server span, Express span, a parameterized query (its text
 * repeats, so its redaction is cached after the first time), one access-log record.
 */
function typical(s: ReturnType<typeof setup>, i: number): void {
  const { tracer, logger } = s;
  const server = tracer.startSpan('GET /api/participants/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': `/api/participants/${i}`, 'url.query': `page=${i % 7}&sort=name`,
      'server.address': '127.0.0.1', 'server.port': 3000, 'network.peer.address': '127.0.0.1', 'network.peer.port': 51234,
      'network.protocol.version': '1.1', 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      'client.address': '127.0.0.1', 'tenant.id': 'acme',
    },
  });
  tracer.startSpan('request handler - /api/participants/:id', { attributes: { 'http.route': '/api/participants/:id', 'express.type': 'request_handler', 'express.name': '/api/participants/:id' } }).end();
  tracer.startSpan('pg.query:SELECT app', {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql', 'db.namespace': 'app', 'server.address': '127.0.0.1', 'server.port': 5432,
      'db.query.text': "SELECT id, name, email FROM participants WHERE id = $1 AND status IN ('active', 'pending')", 'db.operation.name': 'SELECT',
    },
  }).end();
  server.setAttribute('http.response.status_code', 200);
  server.end();
  logger.emit({ body: `GET /api/participants/${i} 200 ${i % 50} ms`, attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, duration_ms: i % 50 } });
}

/**
 * A worst case: literal SQL with an e-mail (never cached), a query string with a token, a captured
 * Authorization header, an exception event, a log record with nested fields, and event meta.
 */
function request(s: ReturnType<typeof setup>, i: number): void {
  const { tracer, logger, pipeline } = s;
  const server = tracer.startSpan('GET /api/participants/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': `/api/participants/${i}`, 'url.query': 'page=2&sort=name&access_token=abc123',
      'server.address': '127.0.0.1', 'server.port': 3000, 'network.peer.address': '127.0.0.1', 'network.peer.port': 51234,
      'network.protocol.version': '1.1', 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      'client.address': '127.0.0.1', 'http.request.header.authorization': ['Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig'],
      'tenant.id': 'acme',
    },
  });
  const express = tracer.startSpan('request handler - /api/participants/:id', { attributes: { 'http.route': '/api/participants/:id', 'express.type': 'request_handler', 'express.name': '/api/participants/:id' } });
  express.end();
  const db = tracer.startSpan('pg.query:SELECT app', {
    kind: SpanKind.CLIENT,
    attributes: {
      'db.system.name': 'postgresql', 'db.namespace': 'app', 'server.address': '127.0.0.1', 'server.port': 5432,
      'db.query.text': `SELECT id, name, email FROM participants WHERE id = ${i} AND status IN ('active', 'pending') AND email = 'someone@example.com'`,
      'db.operation.name': 'SELECT',
    },
  });
  db.end();
  const failing = tracer.startSpan('import-participants');
  failing.recordException(new Error('participant dora@example.com has no email: password=hunter2'));
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'import failed' });
  failing.end();
  server.setAttribute('http.response.status_code', 200);
  server.end();
  logger.emit({ body: `imported ${i} participants in 12 ms`, attributes: { 'event.context': 'import-participants', count: i, user: { id: 42, email: 'bob@example.org' } } });
  sink += Object.keys(pipeline.redact({ nr_of_imported_participants: i, source: { host: 'tickets.example.com', apiKey: 'k-123' }, reason: 'ok' }) as object).length;
}

function measure(s: ReturnType<typeof setup>, n: number, shape: typeof request = request): number {
  const started = cpuNs();
  for (let i = 0; i < n; i++) shape(s, i);
  return (cpuNs() - started) / n;
}

/** Redaction alone on plain strings with nothing to mask: each one new (no cache hit). */
function scanCost(pipeline: Pipeline, n: number): number {
  const texts = Array.from({ length: n }, (_, i) => `GET /api/participants/${i} returned 200 in 12 ms for tenant acme`);
  const started = cpuNs();
  for (let i = 0; i < n; i++) sink += (pipeline.redact(texts[i]) as string).length;
  return (cpuNs() - started) / n;
}

/**
 * The span processor alone, without the SDK around it: the four finished spans of one request are
 * copied and redacted; the copy alone is the baseline.
 */
function isolatedPerSpan(n: number): { copy: number; redact: number } {
  const captured: Array<{ name: string; attributes: Record<string, unknown>; events: Array<{ name: string; attributes?: Record<string, unknown> }>; status: { code: number; message?: string } }> = [];
  const collect = { onStart() {}, onEnd(s: never) { captured.push(s); }, forceFlush: async () => {}, shutdown: async () => {} };
  const tracer = new TracerProvider({ spanProcessors: [collect as never] }).getTracer('capture');
  request({ tracer, logger: off.logger, pipeline: off.pipeline }, 7);
  const templates = captured.map((s) => ({ name: s.name, attributes: { ...s.attributes }, events: s.events.map((e) => ({ ...e, attributes: { ...e.attributes } })), status: { ...s.status } }));
  const copy = () => templates.map((t) => ({ name: t.name, attributes: { ...t.attributes }, events: t.events.map((e) => ({ ...e, attributes: { ...e.attributes } })), links: [], status: t.status }));
  const redactor = new Redactor(compileRules({}));
  const time = (fn: () => void) => {
    for (let i = 0; i < 2000; i++) fn();
    const started = cpuNs();
    for (let i = 0; i < n; i++) fn();
    return (cpuNs() - started) / n / templates.length;
  };
  const copyNs = time(() => { sink += copy().length; });
  const redactNs = time(() => { for (const s of copy()) redactSpan(redactor, s as never); });
  return { copy: copyNs, redact: redactNs };
}

const on = setup(true);
const off = setup(false);
measure(on, 5000);
measure(off, 5000);
measure(on, 5000, typical);
measure(off, 5000, typical);
const onTimes: number[] = [];
const offTimes: number[] = [];
const onTypical: number[] = [];
const offTypical: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate, so that drift (GC, other load) hits both sides alike.
  offTypical.push(measure(off, REQUESTS, typical));
  onTypical.push(measure(on, REQUESTS, typical));
  offTimes.push(measure(off, REQUESTS));
  onTimes.push(measure(on, REQUESTS));
}
const onNs = median(onTimes);
const offNs = median(offTimes);
const onTyp = median(onTypical);
const offTyp = median(offTypical);
const iso = isolatedPerSpan(50_000);
const scanOn = scanCost(on.pipeline, 200_000);
const scanOff = scanCost(off.pipeline, 200_000);

const row = (name: string, a: string, b: string, c: string) => console.log(`${name.padEnd(44)} ${a.padStart(14)} ${b.padStart(14)} ${c.padStart(10)}`);
const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const load = require('node:os').loadavg()[0] as number;
console.log(`node ${process.version}, ${cpus().length} CPUs, load ${load.toFixed(1)}, ${ROUNDS} rounds x ${REQUESTS} requests (4 spans + 1 exception event + 1 log record + 1 event meta each), medians of process CPU time`);
row('', 'redaction off', 'redaction on', 'on/off');
row('typical request (3 spans + 1 log), SDK included', us(offTyp), us(onTyp), `${(onTyp / offTyp).toFixed(2)}x`);
row('  added by redaction', '', us(onTyp - offTyp), '');
row('worst-case request (4 spans + exception + log + event)', us(offNs), us(onNs), `${(onNs / offNs).toFixed(2)}x`);
row('  added by redaction', '', us(onNs - offNs), '');
row('redact() of a new 62-char string, nothing to mask', `${scanOff.toFixed(0)} ns`, `${scanOn.toFixed(0)} ns`, '');
row('span processor alone, per span (no SDK)', `${iso.copy.toFixed(0)} ns`, `${iso.redact.toFixed(0)} ns`, `+${(iso.redact - iso.copy).toFixed(0)} ns`);
console.log(`\nAt 200 µs of CPU per Express + pg request (conservative), ${us(onTyp - offTyp)} is ${(((onTyp - offTyp) / 1000 / 200) * 100).toFixed(1)}% (typical) ` +
  `and ${us(onNs - offNs)} is ${(((onNs - offNs) / 1000 / 200) * 100).toFixed(1)}% (worst case). The end-to-end throughput check (redaction on vs off) is in bench/agent.mts.`);

if (process.argv.includes('--write')) {
  const section = [
    `Run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs, 1-min load average ${load.toFixed(1)} during the run (shared machine); ${ROUNDS} alternating rounds × ${REQUESTS.toLocaleString('en')} requests per shape, medians of process CPU time (user + system), in-process (no export).`,
    '',
    '- typical request: HTTP server span, Express span, a parameterized pg query, one access-log record;',
    '- worst case: HTTP server span with a token in the query string and a captured Authorization header, Express span, pg span with literal SQL containing an e-mail (never cached), an error span with an exception event, a log record with nested fields, business-event meta.',
    '',
    '| measure | redaction off | redaction on | on/off |',
    '|---|---|---|---|',
    `| typical request, telemetry CPU incl. SDK | ${us(offTyp)} | ${us(onTyp)} | ${(onTyp / offTyp).toFixed(2)}x |`,
    `| typical request, added by redaction | | ${us(onTyp - offTyp)} | |`,
    `| worst-case request, telemetry CPU incl. SDK | ${us(offNs)} | ${us(onNs)} | ${(onNs / offNs).toFixed(2)}x |`,
    `| worst-case request, added by redaction | | ${us(onNs - offNs)} | |`,
    `| span processor alone, per worst-case span (a copy of the span as baseline) | ${iso.copy.toFixed(0)} ns | ${iso.redact.toFixed(0)} ns | +${(iso.redact - iso.copy).toFixed(0)} ns |`,
    `| redact() of a new 62-character string with nothing to mask | ${scanOff.toFixed(0)} ns | ${scanOn.toFixed(0)} ns | |`,
    '',
    `Against a conservative 200 µs of CPU per Express + pg request, redaction adds ${(((onTyp - offTyp) / 1000 / 200) * 100).toFixed(1)}% (typical) to ${(((onNs - offNs) / 1000 / 200) * 100).toFixed(1)}% (worst case). The 3% target is end-to-end throughput with redaction on vs off, measured by \`npm run bench:agent\` (rows "otel-companion" and "otel-companion, redaction off").`,
  ].join('\n');
  writeBenchSection('redaction', 'Redaction (`npm run bench:redaction`)', section);
}
if (sink === -1) console.log(sink);
