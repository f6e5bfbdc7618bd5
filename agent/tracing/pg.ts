import {
  context, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import {
  ATTR_DB_NAMESPACE, ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type { DbOperationDurationRecorder } from '../runtime/duration-recorders';
import { poolRegistry } from '../runtime/pg-pools';
import { callWithCompletion, pgErrorType, type CallbackRunner } from '../runtime/pg-query';
import { sqlOperationName } from '../runtime/sql-operation';
import { AGENT_VERSION } from '../runtime/version';
import { FastSpan, hexOf, idBytesOf, newSpanContext, newSpanIdBytes, type FastSpanSink } from './fast-span';
import type { ContextRunner } from './http-server';

/** Instrumentation scope of the agent's own PostgreSQL spans. */
export const PG_SCOPE = 'otel-companion/pg';

export interface PgTracingOptions {
  readonly sink: FastSpanSink;
  readonly sampler: Sampler;
  readonly contexts: ContextRunner;
  /**
   * `pg-pool.connect` and `pg.connect` spans (OTEL_COMPANION_PG_POOL_CONNECT_SPANS): for the pool,
   * only connects that wait for a client or open a connection.
   */
  readonly connectSpans: boolean;
  /** `db.postgresql.values`: the bound parameters, as text (OTEL_COMPANION_DB_RECORD_PARAMETERS; redacted like any attribute). */
  readonly recordParameters: boolean;
  /** db.client.operation.duration, recorded when the query ends (sampled or not). */
  readonly duration?: DbOperationDurationRecorder;
}

interface PgClient {
  database?: unknown;
  connectionParameters?: { host?: unknown; port?: unknown; database?: unknown };
}
interface QueryConfig { text?: unknown; name?: unknown; values?: unknown }
interface PgPool {
  options?: { connectionString?: unknown; database?: unknown; host?: unknown; port?: unknown; idleTimeoutMillis?: unknown; maxClient?: unknown };
  /** pg-pool's public counts: idle clients, and callers waiting for one. */
  readonly idleCount?: number;
  readonly waitingCount?: number;
}
type Fn = (this: unknown, ...args: unknown[]) => unknown;

const NO_LINKS: Link[] = [];
const SCOPE = { name: PG_SCOPE, version: AGENT_VERSION };

/**
 * PostgreSQL spans of the fast pipeline: `pg.query:<operation> <database>` for each query and
 * `pg-pool.connect` / `pg.connect`, with @opentelemetry/instrumentation-pg's names and attributes
 * (plus `db.operation.name`, one of the SQL verbs), made as the agent's own spans; the query's
 * `db.client.operation.duration` is recorded in the same pass, when the query ends. A callback the
 * app passes runs in the context of the call that passed it; promises keep their context by
 * themselves.
 */
export class PgTracingInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  private declare options: PgTracingOptions;
  /** Pool attributes, built once per pool (the connection string is parsed then, not per connect). */
  private declare poolAttributes: WeakMap<object, Attributes>;

  constructor(options: PgTracingOptions) {
    super(PG_SCOPE, AGENT_VERSION, { enabled: false });
    this.options = options;
    this.poolAttributes = new WeakMap();
  }

  /** The CommonJS exports, also when the hook hands over an ES module namespace (--import). */
  private static cjs(exports: unknown): unknown {
    const ns = exports as { [Symbol.toStringTag]?: unknown; default?: unknown } | null;
    return ns && ns[Symbol.toStringTag] === 'Module' ? (ns.default ?? ns) : exports;
  }

  protected init() {
    return [
      new InstrumentationNodeModuleDefinition('pg', ['>=8.0.3 <9'], (exports: unknown) => {
        const proto = (PgTracingInstrumentation.cjs(exports) as { Client?: { prototype?: Record<string, Fn> } })?.Client?.prototype;
        if (proto) {
          this._wrap(proto, 'query', (original: Fn) => this.patchQuery(original) as never);
          if (this.options.connectSpans) this._wrap(proto, 'connect', (original: Fn) => this.patchClientConnect(original) as never);
        }
        return exports;
      }, (exports) => {
        const proto = (PgTracingInstrumentation.cjs(exports) as { Client?: { prototype?: Record<string, Fn> } })?.Client?.prototype;
        if (proto) {
          this._unwrap(proto, 'query');
          this._unwrap(proto, 'connect');
        }
      }),
      new InstrumentationNodeModuleDefinition('pg-pool', ['>=2.0.0 <4'], (exports: unknown) => {
        const Pool = PgTracingInstrumentation.cjs(exports) as { prototype?: Record<string, Fn> };
        if (this.options.connectSpans && Pool?.prototype) this._wrap(Pool.prototype, 'connect', (original: Fn) => this.patchPoolConnect(original) as never);
        return exports;
      }, (exports) => {
        const Pool = PgTracingInstrumentation.cjs(exports) as { prototype?: Record<string, Fn> };
        if (Pool?.prototype) this._unwrap(Pool.prototype, 'connect');
      }),
    ];
  }

  /** A span under `parent`, or none when the sampler does not record it. */
  private startSpan(parent: Context, name: string, attributes: Attributes): FastSpan | undefined {
    const parentSpanContext = trace.getSpanContext(parent);
    const validParent = parentSpanContext !== undefined && isSpanContextValid(parentSpanContext);
    const ids = newSpanIdBytes(validParent ? parentSpanContext : undefined, validParent ? idBytesOf(trace.getSpan(parent)) : undefined);
    const traceId = validParent ? parentSpanContext.traceId : hexOf(ids, 0, 16);
    const sampling = this.options.sampler.shouldSample(parent, traceId, name, SpanKind.CLIENT, attributes, NO_LINKS);
    if (sampling.decision === SamplingDecision.NOT_RECORD) return undefined;
    const spanContext = newSpanContext(traceId, ids, sampling, validParent ? parentSpanContext : undefined);
    const span = new FastSpan(this.options.sink, name, SpanKind.CLIENT, spanContext, validParent ? parentSpanContext : undefined, attributes, SCOPE, undefined, ids);
    const processors = this.options.sink.processors;
    for (let i = 0; i < processors.length; i++) processors[i]!.onStart(span as never, parent);
    return span;
  }

  /** Runs the app's callback in `parent` (the caller's context). */
  private runnerIn(parent: Context): CallbackRunner {
    const contexts = this.options.contexts;
    return (callback, self, args) => contexts.runApply(parent, callback as never, self, args);
  }

  private patchQuery(original: Fn): (this: PgClient) => unknown {
    const instrumentation = this;
    return function query(this: PgClient, ...args: unknown[]): unknown {
      const parent = context.active();
      if (!instrumentation.isEnabled() || isTracingSuppressed(parent)) return original.apply(this, args);
      const startMs = performance.timeOrigin + performance.now();
      const config = (typeof args[0] === 'object' && args[0] !== null ? args[0] : undefined) as QueryConfig | undefined;
      const text = typeof args[0] === 'string' ? args[0] : config?.text;
      const operation = sqlOperationName(text);
      const params = this.connectionParameters;
      const database = this.database ?? params?.database;
      const namespace = typeof database === 'string' ? database : undefined;
      const host = typeof params?.host === 'string' ? params.host : undefined;
      const port = typeof params?.port === 'number' && Number.isInteger(params.port) ? params.port : undefined;
      const plan = typeof config?.name === 'string' && config.name ? config.name : undefined;

      const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL };
      if (namespace !== undefined) attributes[ATTR_DB_NAMESPACE] = namespace;
      if (host !== undefined) attributes[ATTR_SERVER_ADDRESS] = host;
      if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
      if (typeof text === 'string') attributes[ATTR_DB_QUERY_TEXT] = text;
      if (operation !== undefined) attributes[ATTR_DB_OPERATION_NAME] = operation;
      if (plan !== undefined) attributes['db.postgresql.plan'] = plan;
      const values = Array.isArray(args[1]) ? args[1] : config?.values;
      if (instrumentation.options.recordParameters && Array.isArray(values)) attributes['db.postgresql.values'] = parameterTexts(values);
      const name = typeof text === 'string' || plan !== undefined ? `pg.query:${plan ?? firstWord(text as string)}${namespace ? ` ${namespace}` : ''}` : 'pg.query';
      const span = instrumentation.startSpan(parent, name, attributes);

      let finished = false;
      const done = (err?: unknown) => {
        if (finished) return;
        finished = true;
        try {
          const endMs = performance.timeOrigin + performance.now();
          const errorType = err ? pgErrorType(err) : undefined;
          if (span) {
            if (err) endWithError(span, err);
            span.end(endMs);
          }
          instrumentation.options.duration?.record(
            (endMs - startMs) / 1000, DB_SYSTEM_NAME_VALUE_POSTGRESQL, operation, namespace, host, port, poolRegistry.poolNameOfClient(this) || undefined, errorType,
          );
        } catch {
          // measuring must never break a query
        }
      };
      return callWithCompletion(original, this, args, done, instrumentation.runnerIn(parent));
    };
  }

  private patchPoolConnect(original: Fn): (this: PgPool, callback?: unknown) => unknown {
    const instrumentation = this;
    return function connect(this: PgPool, callback?: unknown): unknown {
      const parent = context.active();
      if (!instrumentation.isEnabled() || isTracingSuppressed(parent) || servedAtOnce(this)) return original.call(this, callback);
      const span = instrumentation.startSpan(parent, 'pg-pool.connect', { ...instrumentation.poolAttributesOf(this) });
      return instrumentation.traceConnect(span, parent, original, this, callback);
    };
  }

  private patchClientConnect(original: Fn): (this: PgClient, callback?: unknown) => unknown {
    const instrumentation = this;
    return function connect(this: PgClient, callback?: unknown): unknown {
      const parent = context.active();
      if (!instrumentation.isEnabled() || isTracingSuppressed(parent)) return original.call(this, callback);
      const params = this.connectionParameters;
      const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL };
      if (typeof params?.database === 'string') attributes[ATTR_DB_NAMESPACE] = params.database;
      if (typeof params?.host === 'string') attributes[ATTR_SERVER_ADDRESS] = params.host;
      if (typeof params?.port === 'number' && Number.isInteger(params.port)) attributes[ATTR_SERVER_PORT] = params.port;
      const span = instrumentation.startSpan(parent, 'pg.connect', attributes);
      return instrumentation.traceConnect(span, parent, original, this, callback);
    };
  }

  /**
   * A connect, callback or promise style: the span ends when it does; the work it starts (a new
   * client's own connect) runs under the span, and the app's callback in the caller's context.
   */
  private traceConnect(span: FastSpan | undefined, parent: Context, original: Fn, self: unknown, callback: unknown): unknown {
    if (!span) return original.call(self, callback);
    const end = (err: unknown) => {
      if (err) endWithError(span, err);
      span.end();
    };
    let cb = callback;
    if (typeof callback === 'function') {
      const run = this.runnerIn(parent);
      cb = function (this: unknown, err: unknown) {
        end(err);
        // eslint-disable-next-line prefer-rest-params -- the app's callback gets exactly the arguments pg passed
        return run(callback as Fn as never, this, arguments);
      };
    }
    const result = context.with(trace.setSpan(parent, span), () => original.call(self, cb));
    if (typeof callback !== 'function' && result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(() => end(undefined), (err: unknown) => end(err));
    }
    return result;
  }

  /** The attributes of a pool's connect spans, as instrumentation-pg builds them, parsed once per pool. */
  private poolAttributesOf(pool: PgPool): Attributes {
    let attributes = this.poolAttributes.get(pool);
    if (attributes) return attributes;
    const options = pool.options ?? {};
    let url: URL | undefined;
    try {
      url = typeof options.connectionString === 'string' ? new URL(options.connectionString) : undefined;
    } catch {
      url = undefined;
    }
    attributes = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL };
    if (typeof options.idleTimeoutMillis === 'number') attributes['db.postgresql.idle.timeout.millis'] = options.idleTimeoutMillis;
    if (typeof options.maxClient === 'number') attributes['db.postgresql.max.client'] = options.maxClient;
    const namespace = url ? url.pathname.slice(1) : options.database;
    if (typeof namespace === 'string' && namespace) attributes[ATTR_DB_NAMESPACE] = namespace;
    const host = url ? url.hostname : options.host;
    if (typeof host === 'string' && host) attributes[ATTR_SERVER_ADDRESS] = host;
    const port = Number(url?.port) || (typeof options.port === 'number' ? options.port : undefined);
    if (port) attributes[ATTR_SERVER_PORT] = port;
    this.poolAttributes.set(pool, attributes);
    return attributes;
  }
}

/** As instrumentation-pg: the error's type and code, never its message (it may quote the query's data). */
function endWithError(span: FastSpan, err: unknown): void {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  span.recordException(`PostgreSQL error of type '${typeof e?.name === 'string' ? e.name : 'PostgreSQLError'}' occurred (code: ${typeof e?.code === 'string' || typeof e?.code === 'number' ? e.code : 'UNKNOWN'})`);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? e.message : String(err) });
}

/** The span name's operation, as instrumentation-pg takes it: the first word, upper-cased, without a trailing `;`. */
function firstWord(text: string): string {
  const trimmed = text.trim();
  const space = trimmed.indexOf(' ');
  const word = (space === -1 ? trimmed : trimmed.slice(0, space)).toUpperCase();
  return word.endsWith(';') ? word.slice(0, -1) : word;
}

/** Bound parameters as instrumentation-pg records them. */
function parameterTexts(values: unknown[]): string[] {
  return values.map((value) => {
    if (value === null || value === undefined) return 'null';
    if (value instanceof Buffer) return value.toString();
    if (typeof value === 'object') {
      const pg = value as { toPostgres?: () => unknown };
      return typeof pg.toPostgres === 'function' ? String(pg.toPostgres()) : JSON.stringify(value);
    }
    return String(value as string | number | boolean | bigint);
  });
}

/**
 * Whether pg-pool hands this connect an idle client on the next tick, without waiting or opening a
 * connection: more idle clients than callers already waiting. Such a connect takes microseconds and
 * its span would tell nothing (every `pool.query` makes one), so it gets none; the connects that
 * wait for a client or open one keep theirs, and the pool gauges count the rest.
 */
function servedAtOnce(pool: PgPool): boolean {
  const idle = pool.idleCount;
  return typeof idle === 'number' && idle > (pool.waitingCount ?? 0);
}
