import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { Attributes } from '@opentelemetry/api';
import { counter, gauge, histogram, type HistogramOptions } from './business';

/**
 * What app code reports, independent of where it goes (a metrics tracker interface, made generic).
 * App code takes a tracker as a dependency; the app's start-up chooses the implementation:
 * `ConsoleMetricsTracker` while developing, `OtelMetricsTracker` in production, or its own.
 * Implementations must not throw: a failing tracker must not fail the request it measures.
 */
export interface MetricsTracker {
  /** Counts occurrences (a counter): sessions started, enrollments, messages rejected. */
  increment(name: string, value?: number, attributes?: Attributes): void;
  /** Records one measured value (a histogram): a duration in seconds, a payload size. */
  record(name: string, value: number, attributes?: Attributes): void;
  /** Sets the current level (a gauge): queue depth, connected peers. */
  set(name: string, value: number, attributes?: Attributes): void;
  /** Counts an error by its type. */
  error(error: unknown, attributes?: Attributes): void;
}

/** A low-cardinality type for an error: its string `code` (ECONNREFUSED, 23505), else its class name. */
function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code ? code : error.name || 'Error';
  }
  return '_OTHER';
}

export interface ConsoleMetricsTrackerOptions {
  /** Where lines go. Default: console.log. */
  write?: (line: string) => void;
  /** Printed before each line. Default: `[metrics]`. */
  prefix?: string;
}

/**
 * Prints every report as one line, with running totals for counters, for development and tests:
 * `[metrics] user.sessions +1 (total 3) {"tenant":"acme"}`.
 */
export class ConsoleMetricsTracker implements MetricsTracker {
  private readonly write: (line: string) => void;
  private readonly prefix: string;
  private readonly totals = new Map<string, number>();

  constructor(opts: ConsoleMetricsTrackerOptions = {}) {
    // eslint-disable-next-line no-console -- printing to the app's console is what this tracker is for
    this.write = opts.write ?? ((line) => console.log(line));
    this.prefix = opts.prefix ?? '[metrics]';
  }

  increment(name: string, value = 1, attributes?: Attributes): void {
    const key = `${name} ${attrText(attributes)}`;
    const total = (this.totals.get(key) ?? 0) + value;
    this.totals.set(key, total);
    this.emit(`${name} +${value} (total ${total})`, attributes);
  }

  record(name: string, value: number, attributes?: Attributes): void {
    this.emit(`${name} observed ${value}`, attributes);
  }

  set(name: string, value: number, attributes?: Attributes): void {
    this.emit(`${name} = ${value}`, attributes);
  }

  error(error: unknown, attributes?: Attributes): void {
    const message = error instanceof Error ? error.message : String(error);
    this.emit(`error ${errorTypeOf(error)}: ${message}`, attributes);
  }

  private emit(text: string, attributes?: Attributes): void {
    try {
      const attrs = attrText(attributes);
      this.write(`${this.prefix} ${text}${attrs ? ` ${attrs}` : ''}`);
    } catch {
      // a closed stdout must not fail the caller
    }
  }
}

function attrText(attributes?: Attributes): string {
  if (!attributes) return '';
  const keys = Object.keys(attributes);
  if (keys.length === 0) return '';
  try {
    return JSON.stringify(attributes, keys.sort());
  } catch {
    return '';
  }
}

export interface OtelMetricsTrackerOptions {
  /** Prepended to every name with a dot, e.g. `btps` → `btps.messages.received`. */
  namespace?: string;
  /** Units per metric name (before the namespace), e.g. `{ 'import.duration': 's' }`. */
  units?: Record<string, string>;
  /** Histogram buckets per metric name. */
  buckets?: Record<string, HistogramOptions['buckets']>;
  /** Name of the error counter. Default: `<namespace>.errors`, or `app.errors` without a namespace (attribute `error.type`). */
  errorCounter?: string;
}

/**
 * Reports through OpenTelemetry instruments of the running agent (OTLP or Prometheus, as the
 * agent is configured); a no-op when the agent is not running.
 */
export class OtelMetricsTracker implements MetricsTracker {
  constructor(private readonly opts: OtelMetricsTrackerOptions = {}) {}

  increment(name: string, value = 1, attributes?: Attributes): void {
    try {
      counter(this.fullName(name), { unit: this.opts.units?.[name] }).add(value, attributes);
    } catch {
      // never throw into the app
    }
  }

  record(name: string, value: number, attributes?: Attributes): void {
    try {
      histogram(this.fullName(name), { unit: this.opts.units?.[name], buckets: this.opts.buckets?.[name] }).record(value, attributes);
    } catch {
      // never throw into the app
    }
  }

  set(name: string, value: number, attributes?: Attributes): void {
    try {
      gauge(this.fullName(name), { unit: this.opts.units?.[name] }).record(value, attributes);
    } catch {
      // never throw into the app
    }
  }

  error(error: unknown, attributes?: Attributes): void {
    try {
      counter(this.opts.errorCounter ?? `${this.opts.namespace ?? 'app'}.errors`, { unit: '{error}' }).add(1, { ...attributes, [ATTR_ERROR_TYPE]: errorTypeOf(error) });
    } catch {
      // never throw into the app
    }
  }

  private fullName(name: string): string {
    return this.opts.namespace ? `${this.opts.namespace}.${name}` : name;
  }
}

let current: MetricsTracker | undefined;

/** The process-wide tracker: the one set with `setMetricsTracker`, else an `OtelMetricsTracker`. */
export function getMetricsTracker(): MetricsTracker {
  return (current ??= new OtelMetricsTracker());
}

/** Plugs in the app's tracker (any object implementing MetricsTracker). */
export function setMetricsTracker(tracker: MetricsTracker): void {
  current = tracker;
}
