import { createRequire } from 'node:module';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { emptyResource } from '@opentelemetry/resources';
import { AlwaysOnSampler, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgTracingInstrumentation } from '../../agent/tracing/pg';
import { getPgUrl } from '../helpers/postgres';

// The fast pipeline's pool connect spans (agent/tracing/pg.ts), on real PostgreSQL and pg-pool:
// a connect that opens a connection or waits for a client has its span; one served at once by an
// idle client has none.
const requireCjs = createRequire(__filename);
type Pool = import('pg').Pool;

describe('pg-pool.connect spans on the fast pipeline (real PostgreSQL)', () => {
  const ended: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart() {},
    onEnd(span) { ended.push(span); },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const pools: Pool[] = [];
  let pg: typeof import('pg');

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    new PgTracingInstrumentation({
      sink: { processors: [collect], resource: emptyResource(), attributeValueLengthLimit: 8192, attributeCountLimit: 128 },
      sampler: new AlwaysOnSampler(),
      contexts: { runApply: (_context, fn, self, args) => fn.apply(self, args as unknown as unknown[]) },
      connectSpans: true,
      recordParameters: false,
    }).enable();
    pg = requireCjs('pg') as typeof import('pg');
  });

  afterAll(async () => {
    await Promise.allSettled(pools.map((p) => p.end()));
    context.disable();
  });

  const names = () => ended.map((s) => s.name);

  it('a connect that opens a connection: pg-pool.connect with pg.connect under it', async () => {
    const pool = new pg.Pool({ connectionString: getPgUrl(), max: 1 });
    pools.push(pool);
    ended.length = 0;
    await pool.query('SELECT 1');
    expect(names()).toEqual(['pg.connect', 'pg-pool.connect', 'pg.query:SELECT postgres']);
    const [connect, poolConnect] = ended;
    expect(connect!.parentSpanContext?.spanId).toBe(poolConnect!.spanContext().spanId);
  });

  it('a connect served at once by an idle client: no connect span, the query span only', async () => {
    const pool = pools[0]!;
    expect(pool.idleCount).toBe(1);
    ended.length = 0;
    await pool.query('SELECT 2');
    expect(names()).toEqual(['pg.query:SELECT postgres']);
  });

  it('a connect that waits for a client: pg-pool.connect, lasting the wait', async () => {
    const pool = pools[0]!;
    ended.length = 0;
    const held = await pool.connect();
    expect(names()).toEqual([]);
    const waiting = pool.query('SELECT 3');
    const waitMs = 150;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    held.release();
    await waiting;
    expect(names()).toEqual(['pg-pool.connect', 'pg.query:SELECT postgres']);
    const [poolConnect] = ended;
    const [s, ns] = poolConnect!.duration;
    expect(s * 1000 + ns / 1e6).toBeGreaterThanOrEqual(waitMs - 5);
  });

  it('under a parent span, the connect span is its child', async () => {
    const pool = new pg.Pool({ connectionString: getPgUrl(), max: 1 });
    pools.push(pool);
    ended.length = 0;
    const parent = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    await context.with(trace.setSpan(ROOT_CONTEXT, parent), () => pool.query('SELECT 4'));
    const poolConnect = ended.find((s) => s.name === 'pg-pool.connect');
    expect(poolConnect?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(poolConnect?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });
});
