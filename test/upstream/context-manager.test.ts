import { AsyncLocalStorage, AsyncResource, createHook } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CompanionContextManager, CONTEXT_SCOPE, type ScopedContext } from '../../agent/upstream/context-manager';

const KEY = createContextKey('test');
const ctx = (v: string): Context => ROOT_CONTEXT.setValue(KEY, v);

describe('CompanionContextManager.bind(emitter)', () => {
  const cm = new CompanionContextManager().enable();
  const seen = (): unknown => cm.active().getValue(KEY);

  it('runs listeners added after bind in the bound context, whoever emits', () => {
    const ee = new EventEmitter();
    cm.bind(ctx('bound'), ee);
    const got: unknown[] = [];
    cm.with(ctx('adder'), () => ee.on('x', () => got.push(seen())));
    ee.once('y', () => got.push(seen()));
    cm.with(ctx('emitter'), () => { ee.emit('x'); ee.emit('y'); ee.emit('y'); });
    ee.emit('x');
    expect(got).toEqual(['bound', 'bound', 'bound']);
  });

  it('leaves listeners unwrapped: removeListener, off and listeners() see what the app passed', () => {
    const ee = new EventEmitter();
    cm.bind(ctx('bound'), ee);
    let calls = 0;
    const listener = () => calls++;
    ee.on('x', listener);
    expect(ee.listeners('x')).toEqual([listener]);
    ee.removeListener('x', listener);
    ee.emit('x');
    ee.once('x', listener);
    ee.off('x', listener);
    ee.emit('x');
    expect(calls).toBe(0);
    expect(ee.listenerCount('x')).toBe(0);
  });

  it('keeps the first binding, passes arguments and the return value through', () => {
    const ee = new EventEmitter();
    cm.bind(ctx('first'), ee);
    cm.bind(ctx('second'), ee);
    let args: unknown[] = [];
    let where: unknown;
    ee.on('x', (...a: unknown[]) => { args = a; where = seen(); });
    expect(ee.emit('x', 1, 'two', 3)).toBe(true);
    expect(ee.emit('nobody')).toBe(false);
    expect(args).toEqual([1, 'two', 3]);
    expect(where).toBe('first');
    expect(seen()).toBeUndefined();
  });

  it('still throws listener errors to the emitter, and restores the context after', () => {
    const ee = new EventEmitter();
    cm.bind(ctx('bound'), ee);
    ee.on('x', () => { throw new Error('boom'); });
    cm.with(ctx('outer'), () => {
      expect(() => ee.emit('x')).toThrow('boom');
      expect(seen()).toBe('outer');
    });
  });

  it('binds functions as upstream (context and length)', () => {
    const fn = cm.bind(ctx('bound'), function three(_a: unknown, _b: unknown, _c: unknown) { return seen(); });
    expect(fn.length).toBe(3);
    expect(cm.with(ctx('other'), () => fn(1, 2, 3))).toBe('bound');
  });
});

describe('CompanionContextManager.runApply with a context that keeps its scope', () => {
  const cm = new CompanionContextManager().enable();
  const seen = (): unknown => cm.active().getValue(KEY);
  const scoped = (v: string): ScopedContext => Object.assign(ctx(v), { [CONTEXT_SCOPE]: undefined }) as ScopedContext;

  it('enters the context once per context object: the first switch captures an async frame, later switches reuse it', () => {
    const created: string[] = [];
    const hook = createHook({ init: (_id, type) => { if (type === 'otel-companion.request-context') created.push(type); } }).enable();
    try {
      const a = scoped('a');
      const got: unknown[] = [];
      const record = function (this: unknown, value: unknown) { got.push([seen(), value, this]); return true; };
      const self = {};
      for (let i = 0; i < 3; i++) expect(cm.runApply(a, record as never, self, argumentsOf(i))).toBe(true);
      cm.runApply(scoped('b'), record as never, self, argumentsOf('b'));
      expect(got).toEqual([['a', 0, self], ['a', 1, self], ['a', 2, self], ['b', 'b', self]]);
      expect(created).toHaveLength(2);
      expect(a[CONTEXT_SCOPE]).toBeInstanceOf(AsyncResource);
    } finally {
      hook.disable();
    }
  });

  it('does not switch (nor capture a frame) when the context is already active', () => {
    const a = scoped('a');
    cm.with(a, () => cm.runApply(a, (() => true) as never, undefined, argumentsOf()));
    expect(a[CONTEXT_SCOPE]).toBeUndefined();
  });

  it('restores the caller\'s context after, also when the function throws', () => {
    const a = scoped('a');
    cm.with(ctx('caller'), () => {
      expect(() => cm.runApply(a, (() => { throw new Error('boom'); }) as never, undefined, argumentsOf())).toThrow('boom');
      expect(seen()).toBe('caller');
      cm.runApply(a, (() => true) as never, undefined, argumentsOf());
      expect(seen()).toBe('caller');
    });
  });

  it('carries an app\'s own AsyncLocalStorage values from where the context was first entered', () => {
    const appStore = new AsyncLocalStorage<string>();
    const a = scoped('a');
    const got: unknown[] = [];
    appStore.run('socket-side', () => cm.runApply(a, (() => got.push([seen(), appStore.getStore()])) as never, undefined, argumentsOf()));
    appStore.run('elsewhere', () => cm.runApply(a, (() => got.push([seen(), appStore.getStore()])) as never, undefined, argumentsOf()));
    // Code that already runs in the context (the app's handlers) does not switch and sees its own values.
    cm.with(a, () => appStore.run('in-handler', () => cm.runApply(a, (() => got.push([seen(), appStore.getStore()])) as never, undefined, argumentsOf())));
    expect(got).toEqual([['a', 'socket-side'], ['a', 'socket-side'], ['a', 'in-handler']]);
  });
});

function argumentsOf(..._values: unknown[]): IArguments {
  // eslint-disable-next-line prefer-rest-params -- the code under test takes a real arguments object
  return arguments;
}
