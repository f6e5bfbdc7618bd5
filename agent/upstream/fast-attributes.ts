import type { Attributes } from '@opentelemetry/api';
import { agentLog } from '../runtime/agent-log';

/**
 * A fast path for the attribute checks of @opentelemetry/core that sdk-trace runs on every span
 * (`cleanAttributes` twice per startSpan, `maybeAddAttribute` per setAttribute).
 *
 * Upstream validates each value with `isAnyValue`, which allocates a WeakSet (for cycle detection)
 * per value, primitives included, and walks the map with Object.entries: ~25 WeakSets and as many
 * entry arrays per HTTP server span, a tenth of what the agent allocates per request. Nearly all
 * attribute values are strings, numbers or booleans, for which the answer is known without any of
 * that. Those are handled here with upstream's exact rules (same keys and order, same truncation,
 * same decisions); anything else (arrays, maps, bytes, an empty key, a reached count limit, an
 * invalid limit) goes to upstream's own function, which also prints upstream's warnings.
 *
 * Upstream reach: this rewrites two exports of @opentelemetry/core for the whole process.
 * sdk-trace reads these functions from core's exports object at each call, so replacing the two
 * exports is enough; if a future version binds them differently, this has no effect, a debug line
 * says so, and test/upstream/overrides.test.ts fails on the pinned versions.
 * Would be unnecessary once core validates primitives without a WeakSet per value (the
 * attribute handling of sdk-trace is being reworked upstream:
 * https://github.com/open-telemetry/opentelemetry-js/pull/6579).
 */

interface AttributeLimits { attributeCountLimit?: number; attributeValueLengthLimit?: number }
type Clean = (attrs: unknown, limits: AttributeLimits) => { attributes?: Attributes; droppedAttributesCount?: number };
interface AddOptions { attributes: Attributes; key: string; value: unknown; currentAttributesCount: number; limits: AttributeLimits }
type MaybeAdd = (opts: AddOptions) => number;

// AddAttributeDecision of @opentelemetry/core.
const DROP_LIMIT_REACHED = 2;
const ADD_NEW = 3;
const ADD_OVERWRITE_EXISTING = 4;

const FAST = Symbol.for('otel-companion.fast-attributes');

export function fastCleanAttributes(original: Clean): Clean {
  return function cleanAttributes(inAttributes, limits) {
    const lengthLimit = limits.attributeValueLengthLimit ?? Infinity;
    const countLimit = limits.attributeCountLimit ?? Infinity;
    if (typeof inAttributes !== 'object' || inAttributes === null || !(lengthLimit > 0)) return original(inAttributes, limits);
    const input = inAttributes as Record<string, unknown>;
    const keys = Object.keys(input);
    const attributes: Attributes = {};
    let count = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value = input[key];
      if (value === undefined) continue;
      if (count >= countLimit || key.length === 0) return original(inAttributes, limits);
      switch (typeof value) {
        case 'string':
          attributes[key] = value.length <= lengthLimit ? value : value.substring(0, lengthLimit);
          break;
        case 'number':
        case 'boolean':
          attributes[key] = value;
          break;
        default:
          return original(inAttributes, limits);
      }
      count++;
    }
    return { attributes, droppedAttributesCount: 0 };
  };
}

export function fastMaybeAddAttribute(original: MaybeAdd): MaybeAdd {
  return function maybeAddAttribute(opts) {
    const value = opts.value;
    const type = typeof value;
    const lengthLimit = opts.limits.attributeValueLengthLimit ?? Infinity;
    if ((type !== 'string' && type !== 'number' && type !== 'boolean') || opts.key.length === 0 || !(lengthLimit > 0)) return original(opts);
    const isNewKey = !Object.hasOwn(opts.attributes, opts.key);
    if (isNewKey && opts.currentAttributesCount >= (opts.limits.attributeCountLimit ?? Infinity)) return DROP_LIMIT_REACHED;
    const s = value as string;
    opts.attributes[opts.key] = type === 'string' && s.length > lengthLimit ? s.substring(0, lengthLimit) : (value as string | number | boolean);
    return isNewKey ? ADD_NEW : ADD_OVERWRITE_EXISTING;
  };
}

/**
 * Installs both fast paths on @opentelemetry/core's exports (once). Returns whether they are in
 * effect. Never throws. `core` is for tests, which pass a fake module.
 */
export function installFastAttributes(core = require('@opentelemetry/core') as Record<string | symbol, unknown>): boolean {
  try {
    if (core[FAST]) return true;
    const clean = core.cleanAttributes;
    const add = core.maybeAddAttribute;
    if (typeof clean !== 'function' || typeof add !== 'function') {
      agentLog.debug('upstream override not in effect: @opentelemetry/core exports no cleanAttributes/maybeAddAttribute; span attributes use upstream\'s checks');
      return false;
    }
    core.cleanAttributes = fastCleanAttributes(clean as Clean);
    core.maybeAddAttribute = fastMaybeAddAttribute(add as MaybeAdd);
    // Keep a way back to upstream's (tests compare against them).
    core[FAST] = { cleanAttributes: clean, maybeAddAttribute: add };
    if (core.cleanAttributes !== clean) return true;
  } catch (err) {
    agentLog.debug('upstream override not in effect: @opentelemetry/core exports are read-only', err);
    return false;
  }
  agentLog.debug('upstream override not in effect: @opentelemetry/core exports could not be replaced');
  return false;
}
