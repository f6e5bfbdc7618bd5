import { agentLog } from '../runtime/agent-log';

/**
 * The live `pg.Pool`s of the process, each with its own name, so that pool gauges are reported
 * per pool (contrib#3354: the reference instrumentation adds every pool into one counter).
 *
 * Pools are held weakly: a pool the app drops is garbage-collected as usual. An ended or collected
 * pool is reported with zeros for a few more collections and then forgotten: the SDK keeps
 * repeating the last value of a series that stops being observed, so without the zeros an ended
 * pool would look busy forever (and keep a pool-exhaustion alert firing).
 */

/** What the gauges read from a pg-pool instance (public getters of pg-pool 2 and 3). */
export interface PgPoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
  readonly options?: { max?: number };
  readonly ended?: boolean;
  on?(event: 'connect', listener: (client: object) => void): unknown;
}

/** Options of `new pg.Pool(...)` that the default pool name is made from. */
export interface PgPoolOptions {
  application_name?: unknown;
  connectionString?: unknown;
  host?: unknown;
  port?: unknown;
  database?: unknown;
  user?: unknown;
}

/** pg-pool's default `max` when the app gives none. */
const PG_POOL_DEFAULT_MAX = 10;

interface Entry {
  readonly ref: WeakRef<PgPoolLike>;
  name: string;
  /** Collections left in which an ended pool is still reported (with zeros). */
  zeroReportsLeft?: number;
}

/** Enough for every reader of the provider (each collects on its own) to see the zeros. */
const ZERO_REPORTS_AFTER_END = 5;

export interface PoolSnapshot {
  readonly name: string;
  readonly used: number;
  readonly idle: number;
  readonly max: number;
  readonly pending: number;
}

export class PoolRegistry {
  private readonly entries = new Set<Entry>();
  private readonly byPool = new WeakMap<PgPoolLike, Entry>();
  private readonly clientPools = new WeakMap<object, PgPoolLike>();

  /** Starts tracking a pool (idempotent). `explicitName` wins over the name derived from its options. */
  track(pool: PgPoolLike, options?: PgPoolOptions, explicitName?: string): string {
    const existing = this.byPool.get(pool);
    if (existing) {
      if (explicitName && explicitName !== existing.name) existing.name = this.unique(explicitName, existing);
      return existing.name;
    }
    const entry: Entry = { ref: new WeakRef(pool), name: '' };
    entry.name = this.unique(explicitName ?? derivePoolName(options ?? (pool as { options?: PgPoolOptions }).options), entry);
    this.entries.add(entry);
    this.byPool.set(pool, entry);
    // Remember which pool each client belongs to, so query durations carry the pool name.
    try {
      pool.on?.('connect', (client: object) => this.clientPools.set(client, pool));
    } catch {
      // an exotic pool without events still gets its gauges
    }
    return entry.name;
  }

  nameOf(pool: PgPoolLike): string | undefined {
    return this.byPool.get(pool)?.name;
  }

  /** Name of the pool a pg client was checked out from, if it came from a tracked pool. */
  poolNameOfClient(client: object): string | undefined {
    const pool = this.clientPools.get(client);
    return pool ? this.byPool.get(pool)?.name : undefined;
  }

  /**
   * Current usage of every pool. Ended and collected pools come first, with zeros, so that a live
   * pool that took over the name wins (the last observation of a series counts).
   */
  snapshot(): PoolSnapshot[] {
    const retired: PoolSnapshot[] = [];
    const out: PoolSnapshot[] = [];
    for (const entry of this.entries) {
      const pool = entry.ref.deref();
      if (!pool || pool.ended) {
        entry.zeroReportsLeft ??= ZERO_REPORTS_AFTER_END;
        if (entry.zeroReportsLeft-- <= 0) this.entries.delete(entry);
        else retired.push({ name: entry.name, used: 0, idle: 0, max: 0, pending: 0 });
        continue;
      }
      const total = num(pool.totalCount);
      const idle = num(pool.idleCount);
      out.push({
        name: entry.name,
        used: Math.max(0, total - idle),
        idle,
        max: num(pool.options?.max) || PG_POOL_DEFAULT_MAX,
        pending: num(pool.waitingCount),
      });
    }
    return retired.length ? [...retired, ...out] : out;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Two live pools never share a name: the later one gets `#2`, `#3`, ... */
  private unique(wanted: string, self: Entry): string {
    const taken = new Set<string>();
    for (const e of this.entries) if (e !== self && e.ref.deref() && !e.ref.deref()!.ended) taken.add(e.name);
    if (!taken.has(wanted)) return wanted;
    let n = 2;
    while (taken.has(`${wanted}#${n}`)) n++;
    agentLog.debug(`pg pool name "${wanted}" is already used by another live pool; this one is reported as "${wanted}#${n}" (name it with nameDbPool(pool, name))`);
    return `${wanted}#${n}`;
  }
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * The name a pool is reported under when the app gives none: its `application_name`, else
 * `host:port/database` (the form semconv recommends for db.client.connection.pool.name).
 * Never includes the user name or password.
 */
export function derivePoolName(options: PgPoolOptions | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const o = options ?? {};
  let appName = str(o.application_name);
  let host = str(o.host);
  let port = str(o.port);
  let database = str(o.database);
  const cs = str(o.connectionString);
  if (cs) {
    try {
      const u = new URL(cs);
      appName ??= str(u.searchParams.get('application_name'));
      host ??= str(decodeURIComponent(u.hostname)) ?? str(u.searchParams.get('host'));
      port ??= str(u.port);
      database ??= str(decodeURIComponent(u.pathname.replace(/^\//, '')));
    } catch {
      // not a URL (e.g. "host=... dbname=..."): fall back to the other options
    }
  }
  if (appName) return appName;
  host ??= str(env.PGHOST) ?? 'localhost';
  port ??= str(env.PGPORT) ?? '5432';
  database ??= str(env.PGDATABASE) ?? str(o.user) ?? str(env.PGUSER) ?? 'postgres';
  return `${host}:${port}/${database}`;
}

/** The process-wide registry: the pg hook fills it, the gauges and `nameDbPool` read it. */
export const poolRegistry = new PoolRegistry();
