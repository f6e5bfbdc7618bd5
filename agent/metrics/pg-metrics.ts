import { ValueType, type BatchObservableResult, type Histogram, type Meter, type Observable } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { DB_SYSTEM_NAME_VALUE_POSTGRESQL, METRIC_DB_CLIENT_OPERATION_DURATION } from '@opentelemetry/semantic-conventions';
import { AGENT_VERSION } from '../runtime/version';
import { agentLog } from '../runtime/agent-log';
import { sqlOperationName } from '../runtime/sql-operation';
import { callWithCompletion, pgErrorType } from '../runtime/pg-query';
import { poolRegistry, type PgPoolLike, type PgPoolOptions, type PoolRegistry } from '../runtime/pg-pools';
import { DB_OPERATION_DURATION_DESCRIPTION, dbOperationAttributes } from './duration-recorders';
import {
  ATTR_DB_CLIENT_CONNECTION_POOL_NAME, ATTR_DB_CLIENT_CONNECTION_STATE, DB_CLIENT_CONNECTION_STATE_VALUE_IDLE,
  DB_CLIENT_CONNECTION_STATE_VALUE_USED, METRIC_DB_CLIENT_CONNECTION_COUNT, METRIC_DB_CLIENT_CONNECTION_MAX,
  METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
} from './semconv';

/** The meter (instrumentation scope) name of the agent's own pg metrics. */
export const PG_METRICS_SCOPE = 'otel-companion-pg-metrics';

/**
 * PostgreSQL client metrics, measured here rather than taken from @opentelemetry/instrumentation-pg:
 * - pool gauges per pool (the contrib ones sum every pool into one series, contrib#3354);
 * - db.client.operation.duration with the pool name, and an operation name that stays one of the
 *   SQL verbs (contrib takes everything up to the first space, so "SELECT\n  id" or a query without
 *   spaces becomes its own series).
 * On the upstream pipeline the contrib instrumentation makes the spans and its own metrics are
 * dropped by a view. On the fast pipeline the agent's pg spans (agent/tracing/pg.ts) measure the
 * queries into the agent's own histogram, with the same attributes; only the pool gauges are here.
 */
export class PgMetricsInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  // `declare`d, not initialised: the base constructor already calls _updateMetricInstruments and
  // init(), and field initialisers would run after it and wipe what they set.
  private declare operationDuration?: Histogram;
  private declare observables?: Observable[];
  private declare poolInstruments?: { count: Observable; max: Observable; pending: Observable };
  private declare observe?: (result: BatchObservableResult) => void;
  private declare observedMeter?: Meter;
  private declare measureQueries: boolean;

  /**
   * `measureQueries`: false on the fast pipeline, where the agent's pg spans (agent/tracing/pg.ts)
   * record db.client.operation.duration as the query ends; this instrumentation then keeps the
   * pool gauges only.
   */
  constructor(config: InstrumentationConfig = {}, measureQueries = true) {
    super(PG_METRICS_SCOPE, AGENT_VERSION, config);
    this.measureQueries = measureQueries;
  }

  private get registry(): PoolRegistry {
    return poolRegistry;
  }

  /** The CommonJS exports, also when the hook hands over an ES module namespace (--import). */
  private static cjs(exports: unknown): unknown {
    const ns = exports as { [Symbol.toStringTag]?: unknown; default?: unknown } | null;
    return ns && ns[Symbol.toStringTag] === 'Module' ? (ns.default ?? ns) : exports;
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition('pg-pool', ['>=2.0.0 <4'], (exports) => this.patchPool(exports)),
      new InstrumentationNodeModuleDefinition('pg', ['>=8.0.3 <9'], (exports: unknown) => (this.measureQueries === false ? exports : this.patchPg(exports)), (exports) => this.unpatchPg(exports)),
    ];
  }

  protected override _updateMetricInstruments(): void {
    // Called again when the meter provider changes: move the pool callback to the new meter.
    if (this.observedMeter && this.observables && this.observe) this.observedMeter.removeBatchObservableCallback(this.observe, this.observables);
    this.observedMeter = this.meter;
    this.observe ??= (result) => this.observePools(result);
    this.operationDuration = this.meter.createHistogram(METRIC_DB_CLIENT_OPERATION_DURATION, {
      description: DB_OPERATION_DURATION_DESCRIPTION, unit: 's', valueType: ValueType.DOUBLE,
    });
    const count = this.meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_COUNT, {
      description: 'Connections of the pool in each state (used: checked out, idle: waiting in the pool).', unit: '{connection}', valueType: ValueType.INT,
    });
    const max = this.meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_MAX, {
      description: 'The maximum number of open connections the pool allows.', unit: '{connection}', valueType: ValueType.INT,
    });
    const pending = this.meter.createObservableUpDownCounter(METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS, {
      description: 'Requests waiting for a connection of the pool.', unit: '{request}', valueType: ValueType.INT,
    });
    this.observables = [count, max, pending];
    this.poolInstruments = { count, max, pending };
    this.meter.addBatchObservableCallback(this.observe, this.observables);
  }

  private observePools(result: BatchObservableResult): void {
    const inst = this.poolInstruments;
    if (!inst || !this.isEnabled()) return;
    for (const p of this.registry.snapshot()) {
      result.observe(inst.count, p.used, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: p.name, [ATTR_DB_CLIENT_CONNECTION_STATE]: DB_CLIENT_CONNECTION_STATE_VALUE_USED });
      result.observe(inst.count, p.idle, { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: p.name, [ATTR_DB_CLIENT_CONNECTION_STATE]: DB_CLIENT_CONNECTION_STATE_VALUE_IDLE });
      const byPool = { [ATTR_DB_CLIENT_CONNECTION_POOL_NAME]: p.name };
      result.observe(inst.max, p.max, byPool);
      result.observe(inst.pending, p.pending, byPool);
    }
  }

  /**
   * pg-pool exports its Pool class; pg's `Pool` extends it. A construct trap on that class sees
   * every pool the app creates, through `pg.Pool` or `pg-pool` directly, without changing the
   * class the app sees (same prototype, statics and name).
   */
  private patchPool(exports: unknown): unknown {
    if (typeof exports !== 'function' || (exports as { [TRACKED]?: boolean })[TRACKED]) return exports;
    const registry = this.registry;
    const instrumentation = this;
    return new Proxy(exports, {
      construct(target, args, newTarget) {
        const pool = Reflect.construct(target, args, newTarget) as PgPoolLike;
        if (instrumentation.isEnabled()) {
          try {
            registry.track(pool, args[0] as PgPoolOptions | undefined);
          } catch (err) {
            agentLog.debug('pg pool not tracked:', (err as Error).message);
          }
        }
        return pool;
      },
      get(target, prop, receiver) {
        if (prop === TRACKED) return true;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
  }

  private patchPg(exports: unknown): unknown {
    const proto = (PgMetricsInstrumentation.cjs(exports) as { Client?: { prototype?: QueryOwner } })?.Client?.prototype;
    if (!proto || typeof proto.query !== 'function') return exports;
    // @opentelemetry/instrumentation-pg wraps the same method from its own hook on 'pg', which runs
    // after this one, and InstrumentationBase._wrap first unwraps any shimmer wrapper it finds.
    // So this wrapper goes on once the current require() has returned (no query can start before:
    // a client must connect first, which is asynchronous), outside the contrib one, and without
    // shimmer's markers, so that no later _wrap strips it.
    queueMicrotask(() => {
      try {
        const current = proto.query as QueryOwner['query'] & { [OURS]?: unknown };
        if (!this.isEnabled() || typeof current !== 'function' || current[OURS]) return;
        const wrapped = this.wrapQuery(current);
        Object.defineProperty(wrapped, OURS, { value: current });
        const enumerable = Object.prototype.propertyIsEnumerable.call(proto, 'query');
        Object.defineProperty(proto, 'query', { value: wrapped, writable: true, configurable: true, enumerable });
      } catch (err) {
        agentLog.debug('pg query durations not set up:', (err as Error).message);
      }
    });
    return exports;
  }

  private unpatchPg(exports: unknown): void {
    const proto = (PgMetricsInstrumentation.cjs(exports) as { Client?: { prototype?: QueryOwner } })?.Client?.prototype;
    const original = (proto?.query as { [OURS]?: QueryOwner['query'] } | undefined)?.[OURS];
    if (proto && original) {
      const enumerable = Object.prototype.propertyIsEnumerable.call(proto, 'query');
      Object.defineProperty(proto, 'query', { value: original, writable: true, configurable: true, enumerable });
    }
  }

  private wrapQuery(original: (...args: unknown[]) => unknown) {
    const instrumentation = this;
    return function query(this: PgClientLike, ...args: unknown[]): unknown {
      if (!instrumentation.isEnabled() || !instrumentation.operationDuration) return original.apply(this, args);
      const start = performance.now();
      let finished = false;
      const done = (err?: unknown) => {
        if (finished) return;
        finished = true;
        try {
          instrumentation.record(this, args[0], (performance.now() - start) / 1000, err);
        } catch {
          // measuring must never break a query
        }
      };
      return callWithCompletion(original, this, args, done);
    };
  }

  private record(client: PgClientLike, arg0: unknown, seconds: number, err: unknown): void {
    const text = typeof arg0 === 'string' ? arg0 : (arg0 as { text?: unknown } | null)?.text;
    const operation = sqlOperationName(text) || undefined;
    const params = client.connectionParameters;
    const database = client.database ?? params?.database;
    const namespace = typeof database === 'string' ? database : undefined;
    const host = typeof params?.host === 'string' ? params.host : undefined;
    const port = typeof params?.port === 'number' ? params.port : undefined;
    const poolName = this.registry.poolNameOfClient(client) || undefined;
    const error = err ? pgErrorType(err) : undefined;
    this.operationDuration!.record(seconds, dbOperationAttributes(DB_SYSTEM_NAME_VALUE_POSTGRESQL, operation, namespace, host, port, poolName, error));
  }

  // Module hooks are the whole job: nothing to do on enable/disable beyond what the base does.
}

const TRACKED = Symbol.for('otel-companion.pg-pool.tracked');
const OURS = Symbol.for('otel-companion.pg-query.metrics');

interface QueryOwner {
  query: (...args: unknown[]) => unknown;
}

interface PgClientLike {
  database?: unknown;
  connectionParameters?: { host?: unknown; port?: unknown; database?: unknown };
}
