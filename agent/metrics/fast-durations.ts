import { AggregationTemporality, type CollectionResult, type HistogramMetricData, type MetricProducer, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { millisToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import type { DurationRecorders } from '../runtime/duration-recorders';
import { getAgentRuntime } from '../runtime/running-agent';
import { AGENT_VERSION } from '../runtime/version';
import type { DurationHistogram } from './duration-histogram';
import { DbOperationDuration, HttpClientDuration, HttpServerDuration } from './duration-recorders';
import { PG_METRICS_SCOPE } from './pg-metrics';

/** The meter (instrumentation scope) name of the HTTP duration histograms on the fast pipeline. */
export const HTTP_METRICS_SCOPE = 'otel-companion-http-metrics';

export interface FastDurationSettings {
  readonly httpDurationBuckets: readonly number[];
  readonly dbDurationBuckets: readonly number[];
  /** http.route for server requests no route matched; undefined leaves the attribute out. */
  readonly httpUnmatchedRoute?: string;
  /** Series per histogram at most, overflow included (default 2000, as sdk-metrics). */
  readonly cardinalityLimit?: number;
}

interface ScopeHistograms {
  readonly scope: InstrumentationScope;
  readonly histograms: readonly DurationHistogram[];
}

/**
 * The duration histograms of the fast pipeline: the recorders the agent's spans call when they
 * end, and the MetricProducers that hand the histograms to the metric readers at collection time,
 * so that sdk-metrics' exporters (OTLP, Prometheus, console) send them like their own.
 */
export class FastDurations implements DurationRecorders {
  readonly httpServer: HttpServerDuration;
  readonly httpClient: HttpClientDuration;
  readonly db: DbOperationDuration;
  private readonly scopes: readonly ScopeHistograms[];
  private deltaReaderTaken = false;

  constructor(s: FastDurationSettings) {
    const limit = s.cardinalityLimit;
    this.httpServer = new HttpServerDuration({ boundaries: s.httpDurationBuckets, cardinalityLimit: limit }, s.httpUnmatchedRoute);
    this.httpClient = new HttpClientDuration({ boundaries: s.httpDurationBuckets, cardinalityLimit: limit });
    this.db = new DbOperationDuration({ boundaries: s.dbDurationBuckets, cardinalityLimit: limit });
    this.scopes = [
      { scope: { name: HTTP_METRICS_SCOPE, version: AGENT_VERSION }, histograms: [this.httpServer.histogram, this.httpClient.histogram] },
      // The pg metrics instrumentation's own scope: the same series as on the upstream pipeline.
      { scope: { name: PG_METRICS_SCOPE, version: AGENT_VERSION }, histograms: [this.db.histogram] },
    ];
  }

  /**
   * A producer for one metric reader (its `metricProducers` option), in that reader's temporality.
   * Cumulative producers may be many. A delta producer reads and resets the histograms' interval
   * totals, so there can be one: a second is refused with an error.
   */
  producer(temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE, resource?: Resource): MetricProducer {
    if (temporality === AggregationTemporality.DELTA) {
      if (this.deltaReaderTaken) throw new Error('the fast duration histograms serve one delta-temporality reader; another one was set up already');
      this.deltaReaderTaken = true;
    }
    return new DurationMetricsProducer(this.scopes, temporality, resource);
  }
}

class DurationMetricsProducer implements MetricProducer {
  constructor(
    private readonly scopes: readonly ScopeHistograms[],
    private readonly temporality: AggregationTemporality,
    private readonly resource: Resource | undefined,
  ) {}

  async collect(): Promise<CollectionResult> {
    // Milliseconds, like sdk-metrics' own collection time; scopes without points are left out, as it does.
    const endTime = millisToHrTime(Date.now());
    const scopeMetrics: ScopeMetrics[] = [];
    for (const { scope, histograms } of this.scopes) {
      const metrics: HistogramMetricData[] = [];
      for (const h of histograms) {
        const data = h.collect(this.temporality, endTime);
        if (data) metrics.push(data);
      }
      if (metrics.length > 0) scopeMetrics.push({ scope, metrics });
    }
    // A reader keeps the resource of the SDK's own producer and takes only the scopes from others;
    // this one is the agent's resource (the MeterProvider's) for anyone who reads it directly.
    const resource = this.resource ?? getAgentRuntime()?.resource ?? emptyResource();
    return { resourceMetrics: { resource, scopeMetrics }, errors: [] };
  }
}
