import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregationTemporality, MeterProvider, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { FastDurations } from '../../agent/metrics/fast-durations';
import { PgMetricsInstrumentation, PG_METRICS_SCOPE } from '../../agent/metrics/pg-metrics';
import { PgTracingInstrumentation } from '../../agent/tracing/pg';
import { emptyResource } from '@opentelemetry/resources';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace';
import { DEFAULT_DB_DURATION_BUCKETS, DEFAULT_HTTP_DURATION_BUCKETS } from '../../agent/metrics/settings';
import { getPgUrl } from '../helpers/postgres';
import { TestReader, named } from './metric-reader';

// The fast pipeline (real PostgreSQL, real pg): the agent's pg spans (agent/tracing/pg.ts) record
// query durations into the agent's own histogram, with the attributes pg-metrics.ts gives them on
// the upstream pipeline (the same workload is checked there in pg-pools.test.ts), sampled or not
// (here no query is sampled); the pool gauges stay with pg-metrics on sdk-metrics.
const requireCjs = createRequire(__filename);
type Pool = import('pg').Pool;

describe('pg query durations on the fast pipeline (real PostgreSQL)', () => {
  const fast = new FastDurations({ httpDurationBuckets: DEFAULT_HTTP_DURATION_BUCKETS, dbDurationBuckets: DEFAULT_DB_DURATION_BUCKETS });
  const reader = new TestReader({ metricProducers: [fast.producer(AggregationTemporality.CUMULATIVE)] });
  const pools: Pool[] = [];
  let pg: typeof import('pg');

  beforeAll(() => {
    const provider = new MeterProvider({ readers: [reader] });
    new PgMetricsInstrumentation({}, false).setMeterProvider(provider);
    new PgTracingInstrumentation({
      sink: { processors: [], resource: emptyResource(), attributeValueLengthLimit: 8192, attributeCountLimit: 128 },
      sampler: new AlwaysOffSampler(),
      contexts: { runApply: (_context, fn, self, args) => fn.apply(self, args as unknown as unknown[]) },
      connectSpans: false,
      recordParameters: false,
      duration: fast.db,
    }).enable();
    pg = requireCjs('pg') as typeof import('pg');
  });

  afterAll(async () => {
    await Promise.allSettled(pools.map((p) => p.end()));
  });

  it('records each query in its series, with pool, operation, namespace, server and SQLSTATE', async () => {
    const pool = new pg.Pool({ connectionString: getPgUrl(), application_name: 'fast-orders' });
    pools.push(pool);
    for (let i = 0; i < 3; i++) await pool.query('SELECT\n  $1::int AS n', [i]);
    await pool.query('INSERT INTO pg_temp.t_missing SELECT 1').catch(() => undefined); // 42P01: undefined table
    const client = await pool.connect();
    try {
      await new Promise<void>((resolve, reject) => client.query('SELECT 1', (err) => (err ? reject(err) : resolve())));
      await client.query({ text: 'not sql at all' }).catch(() => undefined); // 42601: no operation name
    } finally {
      client.release();
    }

    const metrics = await reader.metrics();
    const durations = named(metrics, 'db.client.operation.duration');
    // Only the fast histogram reports durations; the pool gauges come from the same instrumentation's meter.
    expect(durations.map((m) => m.scope)).toEqual([PG_METRICS_SCOPE]);
    expect(named(metrics, 'db.client.connection.max').map((m) => m.scope)).toEqual([PG_METRICS_SCOPE]);
    const url = new URL(getPgUrl());
    const where = { 'db.system.name': 'postgresql', 'db.namespace': url.pathname.slice(1), 'server.address': url.hostname, 'server.port': Number(url.port) };
    const points = (durations[0]!.dataPoints as DataPoint<Histogram>[]).map((p) => ({ attributes: p.attributes, count: p.value.count }));
    expect(points).toEqual([
      { attributes: { ...where, 'db.operation.name': 'SELECT', 'db.client.connection.pool.name': 'fast-orders' }, count: 4 },
      { attributes: { ...where, 'db.operation.name': 'INSERT', 'db.client.connection.pool.name': 'fast-orders', 'error.type': '42P01' }, count: 1 },
      { attributes: { ...where, 'db.client.connection.pool.name': 'fast-orders', 'error.type': '42601' }, count: 1 },
    ]);
    expect((durations[0]!.dataPoints[0] as DataPoint<Histogram>).value.buckets.boundaries).toEqual([...DEFAULT_DB_DURATION_BUCKETS]);
  });
});
