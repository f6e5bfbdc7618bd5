// Converters benchmark: OTLP/JSON ⇄ scheme on realistic traces (HTTP server span, Express layers,
// pg queries, log and exception events), 1k / 10k / 100k / 1M spans, both ways, in one run.
// Input is NDJSON of 1,000-span export batches (the collector file exporter's shape); a single
// 1M-span JSON text would exceed V8's maximum string length.
//
// floor = JSON.parse of the input + JSON.stringify of the output, timed in the same loop.
// Targets: ≤ 1.5x the floor; linear (1M ≤ 1.2 × 10 × 100k); no stack overflow at 100k depth.
//
// Run: npm run bench:converters  [-- --max 100000] (caps the largest size)
// The package is CommonJS, so this file is too (run by Node's type stripping, against dist/).
const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { cpus, loadavg } = require('node:os') as typeof import('node:os');
const { join } = require('node:path') as typeof import('node:path');
const { performance } = require('node:perf_hooks') as typeof import('node:perf_hooks');

const ROOT = join(__dirname, '..');
const conv = require(join(ROOT, 'dist/converters/index.js')) as typeof import('../converters/index');

const maxArg = process.argv.indexOf('--max');
const MAX = maxArg > 0 ? Number(process.argv[maxArg + 1]) : 1_000_000;
const SIZES = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n <= MAX);
const BATCH = 1_000;

// ---- realistic OTLP/JSON --------------------------------------------------------------------
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const hex = (n: number) => { let s = ''; for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16); return s; };
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const ROUTES = ['/users/:id', '/orders/:id/items', '/api/v1/participants/import', '/health', '/products'];
const QUERIES = ['SELECT id, name, email FROM users WHERE id = $1', 'INSERT INTO orders (user_id, total) VALUES ($1, $2) RETURNING id',
  'UPDATE participants SET status = $1 WHERE import_id = $2', 'SELECT count(*) FROM products WHERE category = $1 AND price < $2'];
const RESOURCE = { attributes: [str('service.name', 'shop'), str('service.version', '1.4.2'), str('deployment.environment.name', 'staging'), str('host.name', 'web-3'), int('process.pid', 4242), str('telemetry.sdk.language', 'nodejs')] };

/** One trace of about `size` spans starting at `t0` ms. */
function trace(size: number, t0: number): unknown[] {
  const traceId = hex(32);
  const ns = (ms: number) => `${Math.floor(ms)}${String(Math.floor((ms % 1) * 1e6)).padStart(6, '0')}`;
  const route = ROUTES[Math.floor(rand() * ROUTES.length)];
  const rootId = hex(16);
  const total = 5 + rand() * 40;
  const status = rand() < 0.05 ? 500 : 200;
  const spans: unknown[] = [{
    traceId, spanId: rootId, name: `GET ${route}`, kind: 2, startTimeUnixNano: ns(t0), endTimeUnixNano: ns(t0 + total),
    attributes: [str('http.request.method', 'GET'), str('url.path', route.replace(':id', String(Math.floor(rand() * 1e5)))), str('url.scheme', 'http'),
      str('http.route', route), str('server.address', '127.0.0.1'), int('server.port', 8080), str('network.protocol.version', '1.1'),
      str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64)'), str('client.address', '10.0.0.7'), int('http.response.status_code', status)],
    status: { code: status >= 500 ? 2 : 0 },
  }];
  let t = t0 + 0.2;
  for (let i = 1; i < size; i++) {
    const isQuery = i > 3;
    const d = isQuery ? 0.3 + rand() * 3 : 0.05;
    const span: Record<string, unknown> = isQuery ? {
      traceId, spanId: hex(16), parentSpanId: rootId, name: `pg.query:SELECT shop`, kind: 3, startTimeUnixNano: ns(t), endTimeUnixNano: ns(t + d),
      attributes: [str('db.system.name', 'postgresql'), str('db.query.text', QUERIES[i % QUERIES.length]), str('db.namespace', 'shop'), str('db.operation.name', 'SELECT'),
        str('server.address', 'db.internal'), int('server.port', 5432)],
      status: { code: 0 },
    } : {
      traceId, spanId: hex(16), parentSpanId: rootId, name: `middleware - ${['query', 'expressInit', 'jsonParser'][i - 1]}`, kind: 1,
      startTimeUnixNano: ns(t), endTimeUnixNano: ns(t + d), attributes: [str('express.name', 'jsonParser'), str('express.type', 'middleware')], status: { code: 0 },
    };
    if (isQuery && rand() < 0.1) {
      span.events = [{ timeUnixNano: ns(t + d), name: 'exception', attributes: [str('exception.type', 'DatabaseError'), str('exception.message', 'deadlock detected')] }];
      span.status = { code: 2, message: 'deadlock detected' };
    }
    spans.push(span);
    t += d + 0.05;
  }
  return spans;
}

/** An NDJSON line: one export batch of BATCH spans (whole traces of ~10 spans). */
function batchLine(spanCount: number, t0: number): string {
  const spans: unknown[] = [];
  while (spans.length < spanCount) spans.push(...trace(Math.min(spanCount - spans.length, 6 + Math.floor(rand() * 9)), t0 + spans.length));
  return JSON.stringify({ resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: { name: '@opentelemetry/instrumentation-http' }, spans }] }] });
}

// ---- measurement ----------------------------------------------------------------------------
interface Row { spans: number; direction: string; ms: number; floorMs: number; bytesIn: number }

function measure(total: number): Row[] {
  let toSchemeMs = 0, toSchemeFloor = 0, toOtlpMs = 0, toOtlpFloor = 0, otlpBytes = 0, schemeBytes = 0;
  for (let done = 0; done < total; done += BATCH) {
    const line = batchLine(Math.min(BATCH, total - done), 1_763_700_000_000 + done);
    otlpBytes += line.length;
    // OTLP → scheme
    let t0 = performance.now();
    const req = JSON.parse(line);
    let t1 = performance.now();
    const docs = conv.otlpToScheme(req).documents;
    const lines: string[] = [];
    for (const d of docs) lines.push(conv.stringifyDocument(d));
    let t2 = performance.now();
    JSON.stringify(docs);
    let t3 = performance.now();
    toSchemeMs += t2 - t0;
    toSchemeFloor += (t1 - t0) + (t3 - t2);
    // scheme → OTLP (validation included, as the CLI and the bridge do)
    for (const text of lines) {
      schemeBytes += text.length;
      t0 = performance.now();
      const value = JSON.parse(text);
      t1 = performance.now();
      const v = conv.validateDocument(value);
      const out = conv.schemeToOtlp(v.document!);
      t2 = performance.now();
      JSON.stringify(out.request);
      t3 = performance.now();
      toOtlpMs += t3 - t0;
      toOtlpFloor += (t1 - t0) + (t3 - t2);
    }
  }
  return [
    { spans: total, direction: 'OTLP/JSON → scheme', ms: toSchemeMs, floorMs: toSchemeFloor, bytesIn: otlpBytes },
    { spans: total, direction: 'scheme → OTLP/JSON', ms: toOtlpMs, floorMs: toOtlpFloor, bytesIn: schemeBytes },
  ];
}

function deepCheck(depth: number): { ms: number; ok: boolean } {
  let cur: Record<string, unknown> = { type: 'log', payload: { message: 'bottom' }, time: 1_763_700_000_000 };
  for (let i = depth - 1; i >= 0; i--) cur = { type: 'event', payload: { name: `level ${i}` }, time: 1_763_700_000_000 + i, duration: depth - i, nested: [cur] };
  const doc = { id: 'ef95a542-25a3-4f71-a0e9-640c92f43813', version: 1, events: [cur] };
  const t0 = performance.now();
  try {
    const text = conv.stringifyDocument(doc as never);
    const v = conv.validateDocument(JSON.parse(text));
    const otlp = JSON.stringify(conv.schemeToOtlp(v.document!).request);
    const back = conv.otlpToScheme(JSON.parse(otlp));
    const ok = conv.stringifyDocument(back.documents[0]) === text;
    return { ms: performance.now() - t0, ok };
  } catch (err) {
    console.error('deep:', (err as Error).message);
    return { ms: performance.now() - t0, ok: false };
  }
}

// Rounds alternate the sizes (a shared 2-core machine drifts); each cell reports the round with
// the median ratio to the floor (conversion and floor always from the same round).
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 2;
measure(2_000); // warm-up
const byCell = new Map<string, Row[]>();
const loads: number[] = [loadavg()[0]];
for (let round = 1; round <= ROUNDS; round++) {
  loads.push(loadavg()[0]);
  for (const n of SIZES) {
    for (const row of measure(n)) {
      console.log(`round ${round}  ${row.direction.padEnd(20)} ${String(row.spans).padStart(9)} spans  ${row.ms.toFixed(0).padStart(7)} ms  ${(row.spans / row.ms * 1000).toFixed(0).padStart(8)} spans/s  floor ${row.floorMs.toFixed(0)} ms  ratio ${(row.ms / row.floorMs).toFixed(2)}x`);
      const key = `${row.spans} ${row.direction}`;
      const list = byCell.get(key) ?? [];
      list.push(row);
      byCell.set(key, list);
    }
  }
}
const rows: Row[] = [...byCell.values()].map((list) => {
  const sorted = [...list].sort((a, b) => a.ms / a.floorMs - b.ms / b.floorMs);
  return sorted[Math.floor((sorted.length - 1) / 2)];
});
function medianOf(cell: Row, field: 'ms' | 'floorMs'): number {
  const values = byCell.get(`${cell.spans} ${cell.direction}`)!.map((r) => r[field]).sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}
const deep = deepCheck(100_000);
console.log(`100k-deep document, both ways: ${deep.ms.toFixed(0)} ms, ${deep.ok ? 'identical, no stack overflow' : 'FAILED'}`);

// ---- report ---------------------------------------------------------------------------------
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const lines: string[] = [];
loads.push(loadavg()[0]);
lines.push(`Run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), 1-minute load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} over the rounds (shared machine); median ratio of ${ROUNDS} alternating rounds per cell. Input: NDJSON of 1,000-span OTLP/JSON export batches (HTTP server span, Express layers, pg queries, 10% with an exception event); floor = JSON.parse(input) + JSON.stringify(output) timed in the same loop; scheme → OTLP includes validation.`);
lines.push('');
lines.push('| spans | direction | input MiB | time ms | spans/s | floor ms | ratio to floor |');
lines.push('|---|---|---|---|---|---|---|');
for (const r of rows) lines.push(`| ${fmt(r.spans)} | ${r.direction} | ${(r.bytesIn / 1048576).toFixed(1)} | ${fmt(r.ms)} | ${fmt(r.spans / r.ms * 1000)} | ${fmt(r.floorMs)} | ${(r.ms / r.floorMs).toFixed(2)}x |`);
lines.push('');
lines.push('| target | measured | |');
lines.push('|---|---|---|');
for (const dir of ['OTLP/JSON → scheme', 'scheme → OTLP/JSON']) {
  const mine = rows.filter((r) => r.direction === dir);
  const worst = Math.max(...mine.filter((r) => r.spans >= 10_000).map((r) => r.ms / r.floorMs));
  lines.push(`| ${dir}: ≤ 1.5x floor (10k spans and up) | ${worst.toFixed(2)}x | ${worst <= 1.5 ? 'met' : 'NOT met'} |`);
  const big = mine.find((r) => r.spans === 1_000_000), mid = mine.find((r) => r.spans === 100_000);
  if (big && mid) {
    // Medians of the times over the rounds: one stalled round must not decide linearity.
    const lin = medianOf(big, 'ms') / (10 * medianOf(mid, 'ms'));
    const floorLin = medianOf(big, 'floorMs') / (10 * medianOf(mid, 'floorMs'));
    lines.push(`| ${dir}: 1M ≤ 1.2 × 10 × 100k | ${lin.toFixed(2)} × (10 × 100k); the floor itself: ${floorLin.toFixed(2)} × | ${lin <= 1.2 ? 'met' : 'NOT met'} |`);
  } else {
    lines.push(`| ${dir}: 1M ≤ 1.2 × 10 × 100k | not measured (--max ${MAX}) | — |`);
  }
}
lines.push(`| no stack overflow at 100k depth (scheme → OTLP → scheme) | ${fmt(deep.ms)} ms, ${deep.ok ? 'identical' : 'failed'} | ${deep.ok ? 'met' : 'NOT met'} |`);

const docPath = join(ROOT, 'docs/benchmarks.md');
const START = '<!-- bench:converters:start -->', END = '<!-- bench:converters:end -->';
let doc: string;
try { doc = readFileSync(docPath, 'utf8'); } catch { doc = '# Benchmarks\n'; }
const section = `${START}\n${lines.join('\n')}\n${END}`;
if (doc.includes(START) && doc.includes(END)) doc = doc.slice(0, doc.indexOf(START)) + section + doc.slice(doc.indexOf(END) + END.length);
else doc = doc.trimEnd() + `\n\n## Converters (\`npm run bench:converters\`)\n\n${section}\n`;
writeFileSync(docPath, doc);
console.log(`\n${lines.join('\n')}\n\nwritten to docs/benchmarks.md`);
