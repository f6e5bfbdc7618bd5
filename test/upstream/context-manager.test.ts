import { EventEmitter } from 'node:events';
import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CompanionContextManager } from '../../agent/upstream/context-manager';

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
