import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { agentLog } from '../runtime/agent-log';

/**
 * Upstream reach: the context keys under which @opentelemetry/api keeps the active span and
 * @opentelemetry/core keeps the RPC metadata (the HTTP route) are not exported; both are made with
 * `createContextKey(description)`, which is `Symbol.for(description)`. The agent's request context
 * answers these two keys itself instead of copying a Map per request for each value it sets.
 * At start-up the keys are checked against the public getters (trace.getSpan, getRPCMetadata); if
 * either moved, the agent builds request contexts with the public setters (slower, same result), a
 * debug line says so, and test/upstream/overrides.test.ts fails on the pinned versions.
 * Would be unnecessary if the API exported its span key:
 * https://github.com/open-telemetry/opentelemetry-js/issues/3546
 */
export const SPAN_KEY: symbol = Symbol.for('OpenTelemetry Context Key SPAN');
export const RPC_METADATA_KEY: symbol = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/** Whether the two keys are the ones the public getters read; `probe` is for tests. */
export function contextKeysMatch(probe: { getSpan(ctx: Context): unknown; getRpc(ctx: Context): unknown } = { getSpan: (c) => trace.getSpan(c), getRpc: (c) => getRPCMetadata(c) }): boolean {
  try {
    const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    const rpc = { type: RPCType.HTTP, span };
    if (probe.getSpan(ROOT_CONTEXT.setValue(SPAN_KEY, span)) === span && probe.getRpc(ROOT_CONTEXT.setValue(RPC_METADATA_KEY, rpc)) === rpc) return true;
  } catch {
    // fall through
  }
  agentLog.debug('upstream override not in effect: the API context keys moved; request contexts are built with the public setters');
  return false;
}
