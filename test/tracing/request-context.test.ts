import { createContextKey, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, setRPCMetadata } from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestContext } from '../../agent/tracing/request-context';
import { RPC_METADATA_KEY, SPAN_KEY } from '../../agent/upstream/context-keys';

const APP_KEYS = [createContextKey('app-a'), createContextKey('app-b')];
const KEYS = [...APP_KEYS, SPAN_KEY, RPC_METADATA_KEY];

describe('requestContext and the contexts derived from it', () => {
  const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  const parent = ROOT_CONTEXT.setValue(APP_KEYS[0]!, 'from the parent');

  it('answers the span and the RPC metadata itself, anything else from the parent', () => {
    const { context, rpc } = requestContext(parent, span);
    expect(trace.getSpan(context)).toBe(span);
    expect(getRPCMetadata(context)).toBe(rpc);
    expect(rpc).toEqual({ type: RPCType.HTTP, span });
    expect(context.getValue(APP_KEYS[0]!)).toBe('from the parent');
    expect(context.getValue(APP_KEYS[1]!)).toBeUndefined();
  });

  it('answers every key as the API\'s own contexts would, after any sequence of setValue and deleteValue', () => {
    const op = fc.record({ key: fc.constantFrom(...KEYS), set: fc.boolean(), value: fc.string() });
    fc.assert(fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const { context, rpc } = requestContext(parent, span);
      let ours: Context = context;
      let reference: Context = setRPCMetadata(trace.setSpan(parent, span), rpc);
      for (const { key, set, value } of ops) {
        ours = set ? ours.setValue(key, value) : ours.deleteValue(key);
        reference = set ? reference.setValue(key, value) : reference.deleteValue(key);
      }
      for (const key of KEYS) expect(ours.getValue(key)).toBe(reference.getValue(key));
    }), { numRuns: 300 });
  });

  it('never changes a context it was derived from', () => {
    const { context } = requestContext(parent, span);
    const child = trace.setSpan(context, trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', traceFlags: 1 }));
    child.setValue(APP_KEYS[1]!, 'later').deleteValue(SPAN_KEY);
    expect(trace.getSpan(context)).toBe(span);
    expect(trace.getSpan(child)?.spanContext().spanId).toBe('00f067aa0ba902b7');
    expect(child.getValue(APP_KEYS[1]!)).toBeUndefined();
  });
});
