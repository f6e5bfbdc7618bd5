import { errorMonitor } from 'node:events';

/*
 * What the pg span (agent/tracing/pg.ts) and the pg metrics (agent/metrics/pg-metrics.ts) both
 * need to know of a query: when it ends, and how its error is named.
 */

type Callback = (...args: unknown[]) => unknown;

/** Calls the app's callback: as it is, or in the context of the call that passed it. */
export type CallbackRunner = (callback: Callback, self: unknown, args: IArguments) => unknown;

const callDirectly: CallbackRunner = (callback, self, args) => callback.apply(self, args as unknown as unknown[]);

/**
 * Hooks the end of a query that reports through a callback or events. Returns false when the
 * query reports through the promise `query()` returns. `run` calls the app's callback (the span's
 * instrumentation runs it in the caller's context).
 */
export function hookQueryCompletion(args: unknown[], done: (err?: unknown) => void, run: CallbackRunner = callDirectly): boolean {
  const lastIndex = args.length - 1;
  const last = args[lastIndex];
  if (typeof last === 'function') {
    args[lastIndex] = function (this: unknown, err: unknown) {
      done(err);
      // eslint-disable-next-line prefer-rest-params -- the app's callback gets exactly the arguments pg passed
      return run(last as Callback, this, arguments);
    };
    return true;
  }
  const first = args[0] as { submit?: unknown; callback?: unknown; once?: unknown; on?: unknown } | null | undefined;
  if (first && typeof first === 'object') {
    if (typeof first.submit === 'function') {
      // Query objects, cursors, streams. errorMonitor observes errors without handling them,
      // so an app that relies on an unhandled 'error' still sees it thrown.
      if (typeof first.once !== 'function') return false;
      const emitter = first as { once(e: string | symbol, l: (...a: unknown[]) => void): void };
      emitter.once('end', () => done());
      emitter.once(errorMonitor, (err: unknown) => done(err));
      return true;
    }
    if (typeof first.callback === 'function') {
      const cb = first.callback as Callback;
      // eslint-disable-next-line prefer-rest-params -- the app's callback gets exactly the arguments pg passed
      args[0] = { ...first, callback(this: unknown, err: unknown) { done(err); return run(cb, this, arguments); } };
      return true;
    }
  }
  return false;
}

/**
 * Calls pg's `query` (`original`) with `args` and calls `done` once when the query ends, whichever
 * way it reports: its callback or events (hooked in `args`), the promise it returns (a separate
 * chain, so the app's promise and its rejection handling are untouched), or a synchronous throw,
 * which is rethrown. Hooking never breaks the query: if it throws, the promise is watched instead.
 */
export function callWithCompletion(original: Callback, self: unknown, args: unknown[], done: (err?: unknown) => void, run?: CallbackRunner): unknown {
  let hooked: boolean;
  try {
    hooked = hookQueryCompletion(args, done, run);
  } catch {
    hooked = false;
  }
  let result: unknown;
  try {
    result = original.apply(self, args);
  } catch (err) {
    done(err);
    throw err;
  }
  if (!hooked && result && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(() => done(), (err: unknown) => done(err));
  }
  return result;
}

/** SQLSTATE for server errors (e.g. 42P01), else the error class name. */
export function pgErrorType(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && e.code) return e.code;
  if (typeof e?.name === 'string' && e.name) return e.name;
  return '_OTHER';
}
