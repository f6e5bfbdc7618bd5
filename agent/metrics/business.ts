import {
  createNoopMeter, metrics, ValueType, type Attributes, type Counter, type Gauge, type Histogram, type Meter,
} from '@opentelemetry/api';
import { agentLog } from '../runtime/agent-log';
import { AGENT_VERSION } from '../runtime/version';

/** Instrumentation scope of the app's own (business) metrics. */
export const APP_METER_NAME = 'otel-companion/app';

export interface InstrumentOptions {
  /** Shown as HELP in Prometheus. */
  description?: string;
  /**
   * UCUM unit: `s`, `ms`, `By`, `1`, or an annotation such as `{session}`. It becomes part of the
   * Prometheus name (`s` → `_seconds`), annotations do not.
   */
  unit?: string;
  /** Integer values (counts); the default for counters. */
  integer?: boolean;
}

export interface HistogramOptions extends InstrumentOptions {
  /** Bucket boundaries, ascending, in the instrument's unit. Default: the SDK's. */
  buckets?: number[];
}

// Same rule as the SDK (API spec: instrument name syntax), checked here to say which call was wrong.
const VALID_NAME = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;

type Kind = 'counter' | 'histogram' | 'gauge';
const cache = new WeakMap<Meter, Map<string, Counter | Histogram | Gauge>>();
const noop = createNoopMeter();

function appMeter(): Meter {
  return metrics.getMeter(APP_METER_NAME, AGENT_VERSION);
}

function getOrCreate<T extends Counter | Histogram | Gauge>(kind: Kind, name: string, make: (m: Meter) => T, fallback: () => T): T {
  try {
    if (typeof name !== 'string' || !VALID_NAME.test(name)) {
      agentLog.warn(`${kind}(${JSON.stringify(name)}): invalid metric name (letters, digits, "_", ".", "-", "/"; starts with a letter; at most 255 chars); it records nothing`);
      return fallback();
    }
    const meter = appMeter();
    let byName = cache.get(meter);
    if (!byName) cache.set(meter, (byName = new Map<string, Counter | Histogram | Gauge>()));
    const key = `${kind}:${name}`;
    const found = byName.get(key);
    if (found) return found as T;
    const created = make(meter);
    byName.set(key, created);
    return created;
  } catch (err) {
    agentLog.warn(`${kind}(${JSON.stringify(name)}) failed (${(err as Error)?.message}); it records nothing`);
    return fallback();
  }
}

function valueType(opts: InstrumentOptions | undefined, integerByDefault: boolean): ValueType {
  return (opts?.integer ?? integerByDefault) ? ValueType.INT : ValueType.DOUBLE;
}

/**
 * A counter for the app's own events: `counter('app.enrollments').add(1, { tenant })`.
 * Calling it again with the same name returns the same instrument, so it can be used inline.
 * Prometheus sees `<name>_total` (dots become underscores).
 */
export function counter(name: string, opts?: InstrumentOptions): Counter<Attributes> {
  return getOrCreate('counter', name,
    (m) => m.createCounter(name, { description: opts?.description, unit: opts?.unit, valueType: valueType(opts, true) }),
    () => noop.createCounter(name));
}

/** A histogram for measured values (durations, sizes): `histogram('app.import.duration', { unit: 's' }).record(1.2)`. */
export function histogram(name: string, opts?: HistogramOptions): Histogram<Attributes> {
  return getOrCreate('histogram', name,
    (m) => m.createHistogram(name, {
      description: opts?.description, unit: opts?.unit, valueType: valueType(opts, false),
      advice: opts?.buckets ? { explicitBucketBoundaries: [...opts.buckets].sort((a, b) => a - b) } : undefined,
    }),
    () => noop.createHistogram(name));
}

/** A gauge for a current value (queue depth, connected peers): `gauge('app.sessions.active').record(12)`. */
export function gauge(name: string, opts?: InstrumentOptions): Gauge<Attributes> {
  return getOrCreate('gauge', name,
    (m) => m.createGauge(name, { description: opts?.description, unit: opts?.unit, valueType: valueType(opts, false) }),
    () => noop.createGauge(name));
}
