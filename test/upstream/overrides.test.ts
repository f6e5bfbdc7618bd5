/**
 * Every place the agent reaches into upstream internals (agent/upstream/) is in effect on the
 * pinned versions. A version bump that moves an internal makes the override fall back silently in
 * production (with a debug line); these tests make the bump fail here instead.
 *
 * Each override is checked twice: against the real upstream module (must be in effect), and
 * against a fake upstream module without the internal (must report that it is not). To see the
 * first kind fail, point it at the fakes: OTEL_COMPANION_FAKE_UPSTREAM=1 npx vitest run test/upstream
 */
import { EventEmitter } from 'node:events';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { getRPCMetadata } from '@opentelemetry/core';
import { trace, type Context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { contextKeysMatch } from '../../agent/upstream/context-keys';
import { installFastAttributes } from '../../agent/upstream/fast-attributes';
import { CompanionContextManager, upstreamStorageOf } from '../../agent/upstream/context-manager';
import { untraceScrapeServer } from '../../agent/upstream/prometheus-exporter';
import { winstonTransportMatchActive } from '../../agent/upstream/winston-transport';

/** The real upstream piece, or, with OTEL_COMPANION_FAKE_UPSTREAM=1, a fake one without the internal. */
const useFakes = process.env.OTEL_COMPANION_FAKE_UPSTREAM === '1';
function upstream<T>(real: () => T, fake: () => T): T {
  return useFakes ? fake() : real();
}

describe('upstream overrides are in effect on the pinned versions', () => {
  it('core: cleanAttributes and maybeAddAttribute are replaced by the fast paths', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS exports object itself: an import gives a read-only namespace
    const core = upstream<Record<string | symbol, unknown>>(() => require('@opentelemetry/core'), () => ({}));
    expect(installFastAttributes(core)).toBe(true);
    const originals = core[Symbol.for('otel-companion.fast-attributes')] as Record<string, unknown> | undefined;
    expect(typeof originals?.cleanAttributes).toBe('function');
    expect(core.cleanAttributes).not.toBe(originals?.cleanAttributes);
    expect(core.maybeAddAttribute).not.toBe(originals?.maybeAddAttribute);
  });

  it('context manager: the private AsyncLocalStorage is found, so emitters get the cheap binding', () => {
    const manager = upstream<object>(() => new AsyncLocalStorageContextManager(), () => ({}));
    expect(upstreamStorageOf(manager)).toBeDefined();
    if (!useFakes) expect(new CompanionContextManager().fastEmitterBinding).toBe(true);
  });

  it('prometheus exporter: the private scrape server is found and kept out of the http instrumentation', async () => {
    const exporter = upstream<object>(() => new PrometheusExporter({ preventServerStart: true }), () => ({}));
    expect(untraceScrapeServer(exporter)).toBe(true);
    expect((exporter as { _server?: { emit: unknown } })._server?.emit).toBe(EventEmitter.prototype.emit);
    if (exporter instanceof PrometheusExporter) await exporter.shutdown();
  });

  it('winston: the transport class of instrumentation-winston still has the name createLogger removes', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded as the agent loads it, through Node's require
    const load = upstream<() => unknown>(() => () => require('@opentelemetry/winston-transport'), () => () => ({}));
    expect(winstonTransportMatchActive(load)).toBe(true);
  });

  it("context keys: the API's span and RPC-metadata keys are the ones a request context answers itself", () => {
    // A fake API whose getters read keys of their own: what a moved key would look like.
    const own = Symbol('moved key');
    const probe = upstream<{ getSpan(ctx: Context): unknown; getRpc(ctx: Context): unknown }>(
      () => ({ getSpan: (c) => trace.getSpan(c), getRpc: (c) => getRPCMetadata(c) }),
      () => ({ getSpan: (c) => c.getValue(own), getRpc: (c) => c.getValue(own) }),
    );
    expect(contextKeysMatch(probe)).toBe(true);
  });
});

describe('upstream overrides report a missing internal instead of failing', () => {
  it('context keys', () => expect(contextKeysMatch({ getSpan: () => undefined, getRpc: () => undefined })).toBe(false));
  it('core', () => expect(installFastAttributes({})).toBe(false));
  it('context manager', () => expect(upstreamStorageOf({})).toBeUndefined());
  it('prometheus exporter', () => expect(untraceScrapeServer({})).toBe(false));
  it('winston', () => expect(winstonTransportMatchActive(() => ({}))).toBe(false));
});
