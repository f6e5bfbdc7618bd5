import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import express from 'express';
import { Pool } from 'pg';
import { healthRouter, markReady, markShuttingDown, memoryCheck, pgCheck, type HealthCheck, type HealthReport } from '../../agent/health';
import { getPgUrl } from '../helpers/postgres';
import { freePort } from '../helpers/postgres';

const servers: Server[] = [];
const pools: Pool[] = [];

async function serve(checks: Record<string, HealthCheck>, timeoutMs?: number): Promise<string> {
  const app = express();
  app.use(healthRouter({ checks, timeoutMs, version: '9.9.9' }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function health(base: string): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: (await res.json()) as HealthReport };
}

afterAll(async () => {
  for (const s of servers) s.close();
  for (const p of pools) await p.end().catch(() => {});
});

describe('GET /health', () => {
  it('reports every check with status and latency, plus version, uptime and timestamp', async () => {
    const base = await serve({ fast: () => undefined, details: async () => ({ status: 'ok', queue_depth: 4 }), memory: memoryCheck() });
    const { status, body } = await health(base);
    expect(status).toBe(200);
    expect(body.status).toBe('healthy');
    expect(body.version).toBe('9.9.9');
    expect(body.uptime).toBeGreaterThan(0);
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
    expect(body.checks.fast).toMatchObject({ status: 'ok' });
    expect(body.checks.details).toMatchObject({ status: 'ok', queue_depth: 4 });
    expect(body.checks.memory!.heap_limit_bytes).toBeGreaterThan(0);
    for (const c of Object.values(body.checks)) expect(typeof c.latency_ms).toBe('number');
  });

  it('a check that hangs hits its timeout and makes the service unhealthy (503)', async () => {
    const base = await serve({ hangs: () => new Promise(() => {}), fine: () => true }, 300);
    const { status, body } = await health(base);
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.checks.hangs).toMatchObject({ status: 'error', error: 'timed out after 300 ms' });
    expect(body.checks.hangs!.latency_ms).toBeGreaterThanOrEqual(290);
    expect(body.checks.fine).toMatchObject({ status: 'ok' });
  });

  it('a failing check returns 503 with its error', async () => {
    const base = await serve({ broken: async () => { throw new Error('disk full'); }, falsy: () => false });
    const { status, body } = await health(base);
    expect(status).toBe(503);
    expect(body.checks.broken).toMatchObject({ status: 'error', error: 'disk full' });
    expect(body.checks.falsy).toMatchObject({ status: 'error' });
  });

  it('a warning degrades but stays 200', async () => {
    const base = await serve({ heap: memoryCheck({ maxHeapRatio: 0 }), fine: () => undefined });
    const { status, body } = await health(base);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.checks.heap!.status).toBe('warning');
  });

  it('pgCheck runs SELECT 1 on a real PostgreSQL, and fails when the server is unreachable', async () => {
    const pool = new Pool({ connectionString: getPgUrl(), max: 2 });
    const deadPool = new Pool({ connectionString: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/postgres`, connectionTimeoutMillis: 1000 });
    pools.push(pool, deadPool);
    const up = await health(await serve({ db: pgCheck(pool) }));
    expect(up.status).toBe(200);
    expect(up.body.checks.db).toMatchObject({ status: 'ok', total_connections: 1 });
    expect(up.body.checks.db!.latency_ms).toBeGreaterThan(0);

    const down = await health(await serve({ db: pgCheck(deadPool), memory: memoryCheck() }));
    expect(down.status).toBe(503);
    expect(down.body.checks.db!.status).toBe('error');
    expect(down.body.checks.db!.error).toMatch(/ECONNREFUSED|connect/);
    expect(down.body.checks.memory!.status).toBe('ok');
  });

  it('leaves other paths to the app', async () => {
    const base = await serve({});
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/health?verbose=1`)).status).toBe(200);
  });
});

describe('GET /ready (in process)', () => {
  it('is 503 until markReady(), then 200, then 503 once shutdown starts', async () => {
    const base = await serve({});
    const ready = async () => {
      const r = await fetch(`${base}/ready`);
      return { status: r.status, body: (await r.json()) as { status: string } };
    };
    expect(await ready()).toEqual({ status: 503, body: { status: 'not ready' } });
    markReady();
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready' } });
    markShuttingDown();
    expect(await ready()).toEqual({ status: 503, body: { status: 'shutting down' } });
    markReady();
    expect((await ready()).status).toBe(503);
  });
});
