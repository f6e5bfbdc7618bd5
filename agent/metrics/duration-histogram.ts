import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, InstrumentType, type DataPoint, type Histogram, type HistogramMetricData } from '@opentelemetry/sdk-metrics';

/*
 * An explicit-bucket histogram whose series are found by their label values, without an
 * attribute object. sdk-metrics hashes the attribute object of every point (sort the keys,
 * JSON.stringify) to find its series; here a point walks a tree of Maps, one level per label,
 * to a cell of doubles and adds to it. Once its series exists, a point allocates nothing.
 *
 * What sdk-metrics' explicit-bucket histogram does, this does the same way (and
 * test/metrics/duration-histogram.test.ts checks it against sdk-metrics on generated points):
 * - bucket i counts values in (boundaries[i-1], boundaries[i]]: a value equal to a boundary goes
 *   to the bucket that boundary closes (sdk-metrics' binarySearchUB); the last bucket is open;
 * - a negative value or a non-number is dropped; NaN creates its series and counts nothing;
 * - min and max are those of the counted values, absent while the count is 0;
 * - boundaries are sorted, and -Infinity/+Infinity removed, as ExplicitBucketHistogramAggregation does;
 * - cardinality: at most `cardinalityLimit` series, the last of them being the overflow series
 *   (attributes `otel.metric.overflow=true`) that takes the points of every further label set.
 *   sdk-metrics counts the limit per collection interval, which lets a cumulative stream keep
 *   growing; here it holds for the life of the process, as the specification asks for
 *   cumulative streams, so memory stays bounded.
 */

/** A label value: one level of the series tree. `undefined` means "attribute absent". */
export type LabelValue = string | number | boolean | undefined;

/** sdk-metrics' default cardinality limit per instrument. */
export const DEFAULT_CARDINALITY_LIMIT = 2000;
export const ATTR_OTEL_METRIC_OVERFLOW = 'otel.metric.overflow';

// A cell is one Float64Array: the running totals, the totals of the current delta interval
// (read and reset by a delta reader, see collect), then the bucket counts.
const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;
const INTERVAL_SUM = 4;
const INTERVAL_MIN = 5;
const INTERVAL_MAX = 6;
const FIRST_BUCKET = 7;

interface Series {
  readonly attributes: Attributes;
  readonly cell: Float64Array;
  /** When the series was created: the start time of its cumulative points. */
  readonly startTime: HrTime;
  /** Count and bucket counts as the delta reader last reported them. */
  deltaBase?: Float64Array;
}

export interface DurationHistogramOptions {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly boundaries: readonly number[];
  /** Series at most, the overflow series included (default 2000, as sdk-metrics). */
  readonly cardinalityLimit?: number;
  /** The attributes of a new series, from its label values in tree order (called once per series). */
  readonly attributes: (...labels: LabelValue[]) => Attributes;
}

/** Children of one tree level up to this many are scanned in an array; more go into a Map. */
const SMALL_NODE = 8;

/**
 * One level of the series tree. Most levels hold one or two values (scheme, protocol version, no
 * error), and comparing a few values with === is several times faster than a Map lookup, which
 * hashes its key; a level that grows past SMALL_NODE values moves to a Map (routes, pools).
 */
class Node {
  private readonly keys: LabelValue[] = [];
  private readonly children: unknown[] = [];
  private map: Map<LabelValue, unknown> | undefined;

  get(key: LabelValue): unknown {
    if (this.map !== undefined) return this.map.get(key);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.children[i];
    return undefined;
  }

  set(key: LabelValue, child: unknown): void {
    if (this.map !== undefined) {
      this.map.set(key, child);
    } else if (this.keys.length < SMALL_NODE) {
      this.keys.push(key);
      this.children.push(child);
    } else {
      this.map = new Map(this.keys.map((k, i) => [k, this.children[i]]));
      this.map.set(key, child);
    }
  }
}

export class DurationHistogram {
  readonly descriptor: HistogramMetricData['descriptor'];
  /** The boundaries as exported (sorted, infinities removed). */
  readonly boundaries: readonly number[];
  private readonly bounds: Float64Array;
  private readonly cellLength: number;
  private readonly maxLabelledSeries: number;
  private readonly attributesOf: (...labels: LabelValue[]) => Attributes;
  private readonly root = new Node();
  /** Every series in creation order (the overflow series where it was created), as sdk-metrics orders its points. */
  private readonly series: Series[] = [];
  private labelledSeries = 0;
  private overflow: Float64Array | undefined;
  private lastDeltaCollection: HrTime | undefined;

  constructor(options: DurationHistogramOptions) {
    const limit = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`${options.name}: the cardinality limit must be an integer >= 1 (got ${limit})`);
    // The descriptor has the fields sdk-metrics gives its own histograms.
    this.descriptor = {
      name: options.name, description: options.description, unit: options.unit, valueType: ValueType.DOUBLE,
      type: InstrumentType.HISTOGRAM, advice: {},
    } as HistogramMetricData['descriptor'];
    this.boundaries = normaliseBoundaries(options.boundaries);
    this.bounds = Float64Array.from(this.boundaries);
    this.cellLength = FIRST_BUCKET + this.boundaries.length + 1;
    this.maxLabelledSeries = limit - 1;
    this.attributesOf = options.attributes;
  }

  /**
   * Adds one value to the series of these label values. Up to seven labels, in the tree's order;
   * a histogram with fewer passes `undefined` for the rest, always in the same places.
   */
  record(value: number, l0: LabelValue, l1: LabelValue, l2: LabelValue, l3: LabelValue, l4: LabelValue, l5: LabelValue, l6: LabelValue): void {
    if (typeof value !== 'number' || value < 0) return;
    const cell = this.find(l0, l1, l2, l3, l4, l5, l6) ?? this.add(l0, l1, l2, l3, l4, l5, l6);
    if (value !== value) return;
    cell[COUNT]! += 1;
    cell[SUM]! += value;
    cell[MIN] = Math.min(cell[MIN]!, value);
    cell[MAX] = Math.max(cell[MAX]!, value);
    cell[INTERVAL_SUM]! += value;
    cell[INTERVAL_MIN] = Math.min(cell[INTERVAL_MIN]!, value);
    cell[INTERVAL_MAX] = Math.max(cell[INTERVAL_MAX]!, value);
    // The first boundary >= value (sdk-metrics' binarySearchUB); past the last one, the open bucket.
    const bounds = this.bounds;
    let lo = 0;
    let hi = bounds.length - 1;
    let bucket = bounds.length;
    while (hi >= lo) {
      const mid = (lo + hi) >>> 1;
      if (bounds[mid]! < value) lo = mid + 1;
      else {
        bucket = mid;
        hi = mid - 1;
      }
    }
    cell[FIRST_BUCKET + bucket]! += 1;
  }

  /** Number of series, the overflow series included. */
  get seriesCount(): number {
    return this.series.length;
  }

  private find(l0: LabelValue, l1: LabelValue, l2: LabelValue, l3: LabelValue, l4: LabelValue, l5: LabelValue, l6: LabelValue): Float64Array | undefined {
    const n1 = this.root.get(l0) as Node | undefined;
    if (n1 === undefined) return undefined;
    const n2 = n1.get(l1) as Node | undefined;
    if (n2 === undefined) return undefined;
    const n3 = n2.get(l2) as Node | undefined;
    if (n3 === undefined) return undefined;
    const n4 = n3.get(l3) as Node | undefined;
    if (n4 === undefined) return undefined;
    const n5 = n4.get(l4) as Node | undefined;
    if (n5 === undefined) return undefined;
    const n6 = n5.get(l5) as Node | undefined;
    if (n6 === undefined) return undefined;
    return n6.get(l6) as Float64Array | undefined;
  }

  /** A new series, or the overflow series once the limit is reached (then nothing is added to the tree). */
  private add(...labels: LabelValue[]): Float64Array {
    if (this.labelledSeries >= this.maxLabelledSeries) return this.overflowCell();
    let node = this.root;
    for (let i = 0; i < labels.length - 1; i++) {
      let next = node.get(labels[i]) as Node | undefined;
      if (next === undefined) {
        next = new Node();
        node.set(labels[i], next);
      }
      node = next;
    }
    const cell = this.newSeries(Object.freeze(this.attributesOf(...labels)));
    node.set(labels[labels.length - 1], cell);
    this.labelledSeries++;
    return cell;
  }

  private overflowCell(): Float64Array {
    this.overflow ??= this.newSeries(Object.freeze({ [ATTR_OTEL_METRIC_OVERFLOW]: true }));
    return this.overflow;
  }

  private newSeries(attributes: Attributes): Float64Array {
    const cell = new Float64Array(this.cellLength);
    cell[MIN] = Infinity;
    cell[MAX] = -Infinity;
    cell[INTERVAL_MIN] = Infinity;
    cell[INTERVAL_MAX] = -Infinity;
    this.series.push({ attributes, cell, startTime: millisToHrTime(Date.now()) });
    return cell;
  }

  /**
   * The histogram as sdk-metrics' HistogramAggregator.toMetricData makes it, or undefined while it
   * has no series.
   *
   * Cumulative: every series, totals since it was created.
   *
   * Delta: for the one delta reader a histogram can serve, the series that changed since that
   * reader's last collection (and new ones), with the interval's counts, sum, min and max, which
   * this call resets. A point starts at the previous delta collection, or at its series' creation
   * when it was never reported. (sdk-metrics starts a series that was idle in the previous
   * interval at its first point of this one instead; both are valid delta start times.)
   */
  collect(temporality: AggregationTemporality, endTime: HrTime): HistogramMetricData | undefined {
    if (this.series.length === 0) return undefined;
    const points: DataPoint<Histogram>[] = [];
    if (temporality === AggregationTemporality.DELTA) {
      const previous = this.lastDeltaCollection;
      this.lastDeltaCollection = endTime;
      for (const s of this.series) {
        const point = this.deltaPoint(s, previous, endTime);
        if (point) points.push(point);
      }
      if (points.length === 0) return undefined;
    } else {
      for (const s of this.series) points.push(this.cumulativePoint(s, endTime));
    }
    return { descriptor: this.descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: points };
  }

  private cumulativePoint(s: Series, endTime: HrTime): DataPoint<Histogram> {
    const c = s.cell;
    const counted = c[COUNT]! > 0;
    return {
      attributes: s.attributes, startTime: s.startTime, endTime,
      value: {
        min: counted ? c[MIN] : undefined,
        max: counted ? c[MAX] : undefined,
        sum: c[SUM],
        buckets: { boundaries: this.boundaries as number[], counts: Array.from(c.subarray(FIRST_BUCKET)) },
        count: c[COUNT]!,
      },
    };
  }

  private deltaPoint(s: Series, previous: HrTime | undefined, endTime: HrTime): DataPoint<Histogram> | undefined {
    const c = s.cell;
    const base = s.deltaBase;
    const count = c[COUNT]! - (base ? base[0]! : 0);
    if (base && count === 0) return undefined;
    const counts = new Array<number>(this.bounds.length + 1);
    for (let i = 0; i < counts.length; i++) counts[i] = c[FIRST_BUCKET + i]! - (base ? base[1 + i]! : 0);
    const point: DataPoint<Histogram> = {
      attributes: s.attributes, startTime: base && previous ? previous : s.startTime, endTime,
      value: {
        min: count > 0 ? c[INTERVAL_MIN] : undefined,
        max: count > 0 ? c[INTERVAL_MAX] : undefined,
        sum: c[INTERVAL_SUM],
        buckets: { boundaries: this.boundaries as number[], counts },
        count,
      },
    };
    const next = base ?? new Float64Array(1 + counts.length);
    next[0] = c[COUNT]!;
    next.set(c.subarray(FIRST_BUCKET), 1);
    s.deltaBase = next;
    c[INTERVAL_SUM] = 0;
    c[INTERVAL_MIN] = Infinity;
    c[INTERVAL_MAX] = -Infinity;
    return point;
  }
}

/** As sdk-metrics' ExplicitBucketHistogramAggregation: sorted, without -Infinity and +Infinity. */
function normaliseBoundaries(boundaries: readonly number[]): number[] {
  const sorted = [...boundaries].sort((a, b) => a - b);
  const minusInfinity = sorted.lastIndexOf(-Infinity);
  const infinity = sorted.indexOf(Infinity);
  return sorted.slice(minusInfinity + 1, infinity === -1 ? undefined : infinity);
}
