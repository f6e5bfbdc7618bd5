/**
 * OTLP protobuf encoding of ended spans: the encode-at-end encoder (agent/export: each span encoded
 * into the batch's buffer when it ends, the request assembled from bytes at the flush) vs upstream's
 * ProtobufTraceSerializer (@opentelemetry/otlp-transformer, what the OTLP proto exporter runs on a
 * batch of span objects at the flush). Same SDK spans for both, 512 per batch (the SDK's export batch
 * size), alternating rounds, medians, ratios side by side in one run.
 *
 * Shapes: an HTTP server span with 15 attributes, a pg client span, a span with three events (one an
 * exception with its stack), and the three interleaved as a service produces them.
 *
 *   npm run bench:encoder                  (builds first; Node 24 runs this file directly)
 *   node --expose-gc bench/span-encoder.ts --rounds 9 --batches 300
 *   npm run bench:encoder -- --write        also replace this bench's section of docs/benchmarks.md
 *
 * CPU time is process CPU (user + system), the measure that a shared machine disturbs least.
 * Allocation is heap + ArrayBuffer bytes grown over one batch with no GC in between (v8.GCProfiler
 * checks; the measurement is retried if one ran), after the encoder was warmed by earlier batches.
 * CommonJS on purpose (the package is "type": "commonjs"); it loads the built modules from dist/.
 */
const { join } = require('node:path') as typeof import('node:path');
const { cpus, loadavg } = require('node:os') as typeof import('node:os');
const v8 = require('node:v8') as typeof import('node:v8');
const root = join(__dirname, '..');
const { SpanKind, SpanStatusCode, context, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
const { TracerProvider, AlwaysOnSampler } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer');
const { TraceBatch } = require(join(root, 'dist/agent/export/trace-batch.js')) as typeof import('../agent/export/trace-batch');
const { numberArg, cpuNs, median, writeBenchSection } = require('./lib.ts') as import('./lib').BenchLib;

type ReadableSpan = import('@opentelemetry/sdk-trace').ReadableSpan;

const ROUNDS = numberArg('rounds', 7);
const BATCHES = numberArg('batches', 200);
const BATCH_SIZE = 512;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:encoder does)');

const resource = resourceFromAttributes({
  'service.name': 'shop', 'service.version': '1.4.2', 'deployment.environment.name': 'staging', 'host.name': 'web-3',
  'process.pid': 4242, 'process.runtime.name': 'nodejs', 'process.runtime.version': '24.1.0', 'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '3.0.0',
});

/** 512 ended SDK spans of one shape (distinct ids, paths and times), as a span processor receives them. */
function makeSpans(shape: (tracer: import('@opentelemetry/api').Tracer, i: number) => void): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const capture = { onStart() {}, onEnd: (s: ReadableSpan) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new TracerProvider({ resource, sampler: new AlwaysOnSampler(), spanProcessors: [capture] });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.300.0');
  for (let i = 0; ended.length < BATCH_SIZE; i++) shape(tracer, i);
  return ended.slice(0, BATCH_SIZE);
}

const shapes: Array<{ name: string; spans: ReadableSpan[] }> = [
  {
    name: 'HTTP server span, 15 attributes',
    spans: makeSpans((tracer, i) => {
      const span = tracer.startSpan('GET /api/participants/:id', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': `/api/participants/${i}`, 'url.query': `page=${i % 7}&sort=name`,
          'http.route': '/api/participants/:id', 'server.address': 'shop.example.com', 'server.port': 3000, 'network.peer.address': '10.0.0.7',
          'network.peer.port': 51234 + (i % 1000), 'network.protocol.version': '1.1', 'client.address': '10.0.0.7',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
          'http.request.body.size': 0, 'tenant.id': 'acme',
        },
      });
      span.setAttribute('http.response.status_code', 200);
      span.end();
    }),
  },
  {
    name: 'pg client span, 8 attributes',
    spans: makeSpans((tracer, i) => {
      const parent = trace.setSpanContext(context.active(), { traceId: `${'4bf92f3577b34da6'}${i.toString(16).padStart(16, '0')}`, spanId: '00f067aa0ba902b7', traceFlags: 1 });
      tracer.startSpan('SELECT shop', {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT', 'db.collection.name': 'participants',
          'db.query.text': 'SELECT id, name, email FROM participants WHERE id = $1 AND status IN ($2, $3)',
          'server.address': 'db.internal', 'server.port': 5432, 'db.response.returned_rows': i % 20,
        },
      }, parent).end();
    }),
  },
  {
    name: 'span with 3 events (one exception)',
    spans: makeSpans((tracer, i) => {
      const span = tracer.startSpan('import-participants', { attributes: { 'import.source': 'webhook', 'import.batch': i } });
      span.addEvent('validated', { 'rows.valid': 120, 'rows.invalid': 3 });
      span.addEvent('retry', { attempt: 2, 'retry.delay_ms': 250.5 });
      span.recordException(new Error(`participant ${i} has no email`));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'import failed' });
      span.end();
    }),
  },
];

// A service's spans come interleaved (server, client, internal), so values alternate under shared keys.
shapes.push({ name: 'the three shapes interleaved', spans: Array.from({ length: BATCH_SIZE }, (_, i) => shapes[i % 3]!.spans[i]!) });

let sink = 0;

function upstreamBatch(spans: ReadableSpan[]): void {
  sink += ProtobufTraceSerializer.serializeRequest(spans)!.length;
}

/** What the exporter does: take() the request, send it, release() it for the next take(). */
function oursBatch(batch: InstanceType<typeof TraceBatch>, spans: ReadableSpan[]): void {
  for (let i = 0; i < spans.length; i++) batch.add(spans[i]!);
  const request = batch.take();
  sink += request.length;
  batch.release(request);
}

function oursAddOnly(batch: InstanceType<typeof TraceBatch>, spans: ReadableSpan[]): void {
  for (let i = 0; i < spans.length; i++) batch.add(spans[i]!);
  sink += batch.byteLength;
  batch.clear();
}

/** CPU ns per span over `BATCHES` batches. */
function timePerSpan(run: () => void): number {
  const started = cpuNs();
  for (let b = 0; b < BATCHES; b++) run();
  return (cpuNs() - started) / (BATCHES * BATCH_SIZE);
}

/** Bytes allocated per span over one batch (heap + ArrayBuffers), with no GC during it. */
function bytesPerSpan(run: () => void): number {
  for (let attempt = 0; attempt < 20; attempt++) {
    gc!();
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = process.memoryUsage();
    run();
    const after = process.memoryUsage();
    const gcs = profiler.stop()?.statistics.length ?? 0;
    if (gcs === 0) return (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / BATCH_SIZE;
  }
  throw new Error('a GC ran during every allocation measurement (raise --max-semi-space-size)');
}

interface Row { name: string; upstreamNs: number; oursNs: number; addNs: number; upstreamBytes: number; oursBytes: number; addBytes: number; requestBytes: number; upstreamRequestBytes: number }
const rows: Row[] = [];
for (const shape of shapes) {
  const batch = new TraceBatch(resource);
  // Warm-up: both paths optimised, our buffer grown and key cache filled (the steady state of an agent).
  for (let i = 0; i < 30; i++) {
    upstreamBatch(shape.spans);
    oursBatch(batch, shape.spans);
    oursAddOnly(batch, shape.spans);
  }
  const up: number[] = [];
  const ours: number[] = [];
  const add: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate, so that drift (GC, other load) hits both sides alike.
    up.push(timePerSpan(() => upstreamBatch(shape.spans)));
    ours.push(timePerSpan(() => oursBatch(batch, shape.spans)));
    add.push(timePerSpan(() => oursAddOnly(batch, shape.spans)));
  }
  for (const s of shape.spans) batch.add(s);
  const requestBytes = batch.take().length / BATCH_SIZE;
  rows.push({
    name: shape.name,
    upstreamNs: median(up),
    oursNs: median(ours),
    addNs: median(add),
    upstreamBytes: median([0, 1, 2].map(() => bytesPerSpan(() => upstreamBatch(shape.spans)))),
    oursBytes: median([0, 1, 2].map(() => bytesPerSpan(() => oursBatch(batch, shape.spans)))),
    addBytes: median([0, 1, 2].map(() => bytesPerSpan(() => oursAddOnly(batch, shape.spans)))),
    requestBytes,
    upstreamRequestBytes: ProtobufTraceSerializer.serializeRequest(shape.spans)!.length / BATCH_SIZE,
  });
}

const load = loadavg()[0]!;
const header = `node ${process.version}, ${cpus().length} CPUs, load ${load.toFixed(1)}, ${ROUNDS} alternating rounds x ${BATCHES} batches of ${BATCH_SIZE} spans, medians of process CPU time`;
console.log(header);
const col = (s: string, w: number) => s.padStart(w);
console.log(`${'shape'.padEnd(36)}${col('upstream', 12)}${col('ours', 10)}${col('(add only)', 12)}${col('speed-up', 10)}${col('upstream', 12)}${col('ours', 10)}${col('(add only)', 12)}${col('request', 16)}`);
console.log(`${''.padEnd(36)}${col('ns/span', 12)}${col('ns/span', 10)}${col('ns/span', 12)}${col('', 10)}${col('B alloc/span', 12)}${col('B/span', 10)}${col('B/span', 12)}${col('B/span ours/up', 16)}`);
for (const r of rows) {
  console.log(`${r.name.padEnd(36)}${col(r.upstreamNs.toFixed(0), 12)}${col(r.oursNs.toFixed(0), 10)}${col(r.addNs.toFixed(0), 12)}${col(`${(r.upstreamNs / r.oursNs).toFixed(2)}x`, 10)}` +
    `${col(r.upstreamBytes.toFixed(0), 12)}${col(r.oursBytes.toFixed(0), 10)}${col(r.addBytes.toFixed(0), 12)}${col(`${r.requestBytes.toFixed(0)}/${r.upstreamRequestBytes.toFixed(0)}`, 16)}`);
}
console.log('\nours = add() of each span (the work moved to end()) + take() of the request; add only = the per-span work at end().');
console.log('ours releases each request after sending it (TraceBatch.release), so take() writes into the same memory every flush.');

if (process.argv.includes('--write')) {
  const section = [
    `Run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs, 1-min load average ${load.toFixed(1)} (shared machine); ${ROUNDS} alternating rounds × ${BATCHES} batches of ${BATCH_SIZE} SDK spans per shape, medians of process CPU time. Upstream: \`ProtobufTraceSerializer.serializeRequest\` of @opentelemetry/otlp-transformer on the batch. Ours: \`TraceBatch.add\` of each span (at \`end()\`), then \`take()\` of the request and \`release()\` of it once sent, as the exporter does.`,
    '',
    '| span shape | upstream ns/span | ours ns/span | ours, add() only | speed-up | upstream bytes allocated/span | ours | ours, add() only | request bytes/span, ours / upstream |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.upstreamNs.toFixed(0)} | ${r.oursNs.toFixed(0)} | ${r.addNs.toFixed(0)} | ${(r.upstreamNs / r.oursNs).toFixed(2)}x | ${r.upstreamBytes.toFixed(0)} | ${r.oursBytes.toFixed(0)} | ${r.addBytes.toFixed(0)} | ${r.requestBytes.toFixed(0)} / ${r.upstreamRequestBytes.toFixed(0)} |`),
    '',
    '`add()` alone is the per-span work moved to `end()`; the difference to "ours" is `take()`, which copies the spans into the request buffer given back by `release()`. Without `release()`, every `take()` allocates its request, and a fresh buffer of a few hundred KiB costs more CPU in page faults than the copy. Our requests are a few bytes per span larger: nested messages whose size is unknown before they are written carry a 5-byte length prefix (see docs/decisions.md).',
  ].join('\n');
  writeBenchSection('encoder', 'OTLP span encoder (`npm run bench:encoder`)', section);
}
if (sink === -1) console.log(sink);
