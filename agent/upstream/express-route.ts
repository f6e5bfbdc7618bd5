import * as path from 'node:path';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { ExpressInstrumentation as ExpressInstrumentationType, ExpressInstrumentationConfig } from '@opentelemetry/instrumentation-express';
import { agentLog } from '../runtime/agent-log';

/** The helpers of the instrumentation the route is computed with: the same functions, so the same http.route. */
interface UpstreamInternals {
  storeLayerPath(req: object, value?: string): { isLayerPathStored: boolean };
  getActualMatchedRoute(req: object): string | undefined;
  kLayerPatched: symbol;
  layersStore: string;
}

/** Upstream's helpers, or undefined when they are not where this expects them. `dist` is for tests (a fake package). */
export function loadExpressInternals(dist = path.dirname(require.resolve('@opentelemetry/instrumentation-express'))): UpstreamInternals | undefined {
  try {
    // Not exported by the package: loaded by file path, next to its entry point.
    const utils = require(path.join(dist, 'utils.cjs')) as Partial<UpstreamInternals>;
    const types = require(path.join(dist, 'internal-types.cjs')) as { kLayerPatched?: unknown; _LAYERS_STORE_PROPERTY?: unknown };
    if (typeof utils.storeLayerPath !== 'function' || typeof utils.getActualMatchedRoute !== 'function') return undefined;
    if (typeof types.kLayerPatched !== 'symbol' || typeof types._LAYERS_STORE_PROPERTY !== 'string') return undefined;
    return {
      storeLayerPath: utils.storeLayerPath,
      getActualMatchedRoute: utils.getActualMatchedRoute,
      kLayerPatched: types.kLayerPatched,
      layersStore: types._LAYERS_STORE_PROPERTY,
    };
  } catch {
    return undefined;
  }
}

const ALL_LAYER_TYPES = ['middleware', 'router', 'request_handler'];
const ROUTE_ONLY = Symbol.for('otel-companion.express-route-only');

/** Whether `instrumentation` is the route-only one (the override in effect), not upstream's own. */
export function isRouteOnlyExpressInstrumentation(instrumentation: object): boolean {
  return (instrumentation as Record<symbol, unknown>)[ROUTE_ONLY] === true;
}

type Handle = ((this: unknown, ...args: unknown[]) => unknown) & Record<string, unknown>;
interface Layer { handle: Handle; name?: string; [key: symbol]: unknown }
type Wrap = (owner: object, name: string, wrapper: (original: Handle) => Handle) => void;

/**
 * The Express instrumentation when every layer type is ignored (our default): no layer spans, only
 * http.route for the server span and the duration metric.
 *
 * Upstream still does its whole per-layer routine for an ignored layer (two route reconstructions,
 * a metadata object with a formatted name, the ignore check) before calling the layer: ~0.5–1 µs
 * and several allocations for each of the 4–6 layers a request passes. The layer wrapper here
 * keeps only what sets the route, with upstream's own helpers (same layer-path store, same
 * matching rules, same result), and skips the route computation for requests that are not
 * traced as HTTP server requests. With layer spans on, or when upstream's internals are not where
 * this expects them, the layers are patched by upstream unchanged (a debug line says so, and
 * test/upstream/overrides.test.ts fails on the pinned versions).
 *
 * Upstream reach: utils.cjs and internal-types.cjs are not exported by the package. Would be
 * unnecessary if upstream skipped its per-layer work for ignored layers:
 * https://github.com/open-telemetry/opentelemetry-js-contrib/issues/2453
 */
export function createExpressInstrumentation(config: ExpressInstrumentationConfig): ExpressInstrumentationType {
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const ignored = config.ignoreLayersType as readonly string[] | undefined;
  const routeOnly = ALL_LAYER_TYPES.every((t) => ignored?.includes(t));
  if (!routeOnly) return new ExpressInstrumentation(config);
  const internals = loadExpressInternals();
  const base = (ExpressInstrumentation.prototype as unknown as { _applyPatch?: unknown })._applyPatch;
  if (!internals || typeof base !== 'function') {
    agentLog.debug('upstream override not in effect: @opentelemetry/instrumentation-express internals moved; its own layer patch is used');
    return new ExpressInstrumentation(config);
  }

  class ExpressRouteInstrumentation extends ExpressInstrumentation {}
  Object.defineProperty(ExpressRouteInstrumentation.prototype, ROUTE_ONLY, { value: true });
  const { storeLayerPath, getActualMatchedRoute, kLayerPatched, layersStore } = internals;
  // Upstream's route/use patches call this._applyPatch(layer, layerPath) for each new layer.
  Object.defineProperty(ExpressRouteInstrumentation.prototype, '_applyPatch', {
    configurable: true,
    writable: true,
    value: function applyRoutePatch(this: { _wrap: Wrap }, layer: Layer, layerPath: string | undefined): void {
      if (layer[kLayerPatched] === true) return;
      layer[kLayerPatched] = true;
      this._wrap(layer, 'handle', (original) => {
        // Error handlers are left alone, as upstream does.
        if (original.length === 4) return original;
        const patched = function (this: unknown, req: Record<string, unknown>): unknown {
          const { isLayerPathStored } = storeLayerPath(req, layerPath);
          const rpc = getRPCMetadata(context.active());
          if (rpc?.type === RPCType.HTTP) rpc.route = getActualMatchedRoute(req);
          // A router's mount path stays on the store for the layers inside it.
          if (isLayerPathStored && layer.name !== 'router') (req[layersStore] as string[]).pop();
          // eslint-disable-next-line prefer-rest-params
          return original.apply(this, arguments as unknown as unknown[]);
        } as Handle;
        // Express reads properties of the handle (e.g. a router's stack): forward them, as upstream does.
        for (const key in original) {
          Object.defineProperty(patched, key, {
            get() { return original[key]; },
            set(value) { original[key] = value; },
          });
        }
        return patched;
      });
    },
  });
  return new ExpressRouteInstrumentation(config);
}
