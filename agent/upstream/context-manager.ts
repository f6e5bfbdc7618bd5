import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { agentLog } from '../runtime/agent-log';

const BOUND = Symbol('otel-companion.bound-context');

type Emit = (this: unknown, ...args: unknown[]) => boolean;

function applyEmit(emit: Emit, self: unknown, args: IArguments): boolean {
  return emit.apply(self, args as unknown as unknown[]);
}

/**
 * A slot on a context the agent enters many times (a server request's: each of its events that
 * arrives from the socket). `runApply` keeps there an AsyncResource made inside that context, so
 * entering it again switches to the frame it captured: `AsyncLocalStorage.run` copies the whole
 * async context frame into a new Map twice per call (entering and restoring, Node 24), ~300 ns,
 * where `runInAsyncScope` exchanges the frame, ~15 ns. The frame is captured once per request, at
 * its first switch; the app's own AsyncLocalStorage values in it are those of the socket's
 * callbacks, which is where a switch is needed at all (code already running in the request's
 * context never switches).
 */
export const CONTEXT_SCOPE = Symbol('otel-companion.context-scope');
export interface ScopedContext extends Context {
  [CONTEXT_SCOPE]: AsyncResource | undefined;
}

function newScope(): AsyncResource {
  return new AsyncResource('otel-companion.request-context', { requireManualDestroy: true });
}

/**
 * The AsyncLocalStorage context manager with a cheaper `bind()` for event emitters.
 *
 * The http instrumentation binds every incoming request and response to the request's context.
 * Upstream does that by replacing eight listener methods on each emitter instance and wrapping
 * every listener added later (a WeakMap per event name, a closure and a defineProperty per
 * listener, a context switch per listener call). On the demo app that was ~20 µs of CPU per
 * request, a fifth of the agent's whole cost, even for requests that are not sampled.
 *
 * Here a bound emitter gets one own property, `emit`, which runs the emit in the bound context
 * (or calls through when that context is already active). Listeners added after bind() run in
 * the bound context as upstream; listeners the emitter had before bind() (Node's own) now also
 * do, which changes nothing for them. Listeners are never wrapped, so removeListener, once and
 * listeners() see exactly what the app passed. Functions are still bound by upstream.
 *
 * Upstream reach: the base class keeps its AsyncLocalStorage in the private `_asyncLocalStorage`.
 * Without it (a future layout) bind() stays upstream's, a debug line says so, and
 * test/upstream/overrides.test.ts fails on the pinned versions. Would be unnecessary with a
 * cheaper emitter binding upstream: https://github.com/open-telemetry/opentelemetry-js/issues/4143
 */
export class CompanionContextManager extends AsyncLocalStorageContextManager {
  private readonly storage: AsyncLocalStorage<Context> | undefined;

  constructor() {
    super();
    this.storage = upstreamStorageOf(this);
    if (!this.storage) agentLog.debug('upstream override not in effect: AsyncLocalStorageContextManager has no _asyncLocalStorage; event emitters are bound by upstream');
  }

  /** Whether the cheaper emitter binding is in effect. */
  get fastEmitterBinding(): boolean {
    return this.storage !== undefined;
  }

  /**
   * Calls `fn` with `self` and `args` in `context`, without a closure: the agent's own HTTP
   * instrumentation runs request and response events this way.
   */
  runApply(context: Context, fn: Emit, self: unknown, args: IArguments): boolean {
    const storage = this.storage;
    if (!storage) return this.with(context, () => fn.apply(self, args as unknown as unknown[]));
    if (storage.getStore() === context) return fn.apply(self, args as unknown as unknown[]);
    if (CONTEXT_SCOPE in context) {
      const scoped = context as ScopedContext;
      const scope = scoped[CONTEXT_SCOPE] ??= storage.run(context, newScope);
      return scope.runInAsyncScope(applyEmit, undefined, fn, self, args);
    }
    return storage.run(context, applyEmit, fn, self, args);
  }

  override bind<T>(context: Context, target: T): T {
    if (this.storage && target instanceof EventEmitter) return bindEmitter(this.storage, context, target) as T;
    return super.bind(context, target);
  }
}

/** The AsyncLocalStorage an upstream context manager keeps privately, if it is where this expects it. */
export function upstreamStorageOf(manager: object): AsyncLocalStorage<Context> | undefined {
  const storage = (manager as { _asyncLocalStorage?: unknown })._asyncLocalStorage;
  return storage instanceof AsyncLocalStorage ? (storage as AsyncLocalStorage<Context>) : undefined;
}

function bindEmitter(storage: AsyncLocalStorage<Context>, context: Context, ee: EventEmitter): EventEmitter {
  const marked = ee as EventEmitter & { [BOUND]?: true };
  // First binding wins, as upstream.
  if (marked[BOUND] || typeof ee.emit !== 'function') return ee;
  marked[BOUND] = true;
  const emit = ee.emit as Emit;
  ee.emit = function boundEmit(this: unknown): boolean {
    // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
    if (storage.getStore() === context) return emit.apply(this, arguments as unknown as unknown[]);
    // eslint-disable-next-line prefer-rest-params -- hands the arguments object on: no array per emitted event
    return storage.run(context, applyEmit, emit, this, arguments);
  } as EventEmitter['emit'];
  return ee;
}
