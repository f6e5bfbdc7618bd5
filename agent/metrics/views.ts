import { AggregationType, type AggregationOption, type IAttributesProcessor, type ViewOptions } from '@opentelemetry/sdk-metrics';
import {
  ATTR_HTTP_ROUTE, METRIC_DB_CLIENT_OPERATION_DURATION, METRIC_HTTP_CLIENT_REQUEST_DURATION, METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import { PG_METRICS_SCOPE } from './pg-metrics';
import {
  METRIC_DB_CLIENT_CONNECTION_COUNT, METRIC_DB_CLIENT_CONNECTION_MAX, METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  PG_INSTRUMENTATION_SCOPE,
} from './semconv';

export interface ViewSettings {
  readonly httpDurationBuckets: readonly number[];
  readonly dbDurationBuckets: readonly number[];
  /** http.route for server requests no route matched; undefined leaves the attribute out. */
  readonly httpUnmatchedRoute?: string;
  /** Our own pg metrics replace the contrib instrumentation's (see pg-metrics.ts). */
  readonly replacePgMetrics: boolean;
}

function buckets(boundaries: readonly number[]): AggregationOption {
  return { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...boundaries] } };
}

/**
 * Views of the agent's meter provider. Every view names the meter it applies to where another
 * instrumentation uses the same instrument name: the SDK makes one stream per matching view, so a
 * broad match would duplicate series instead of replacing them.
 */
export function createViews(s: ViewSettings): ViewOptions[] {
  const views: ViewOptions[] = [
    {
      instrumentName: METRIC_HTTP_SERVER_REQUEST_DURATION,
      aggregation: buckets(s.httpDurationBuckets),
      attributesProcessors: s.httpUnmatchedRoute ? [fillRoute(s.httpUnmatchedRoute)] : [],
    },
    { instrumentName: METRIC_HTTP_CLIENT_REQUEST_DURATION, aggregation: buckets(s.httpDurationBuckets) },
    { meterName: PG_METRICS_SCOPE, instrumentName: METRIC_DB_CLIENT_OPERATION_DURATION, aggregation: buckets(s.dbDurationBuckets) },
  ];
  if (s.replacePgMetrics) {
    for (const instrumentName of [
      METRIC_DB_CLIENT_OPERATION_DURATION, METRIC_DB_CLIENT_CONNECTION_COUNT, METRIC_DB_CLIENT_CONNECTION_MAX,
      METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS,
    ]) {
      views.push({ meterName: PG_INSTRUMENTATION_SCOPE, instrumentName, aggregation: { type: AggregationType.DROP } });
    }
  }
  return views;
}

/**
 * The http instrumentation sets http.route from the route Express matched (RPC metadata), and
 * leaves it out when none did. A fixed value keeps those points in one labelled series instead
 * of an unlabelled one that dashboards grouping by route show as a blank row.
 */
function fillRoute(value: string): IAttributesProcessor {
  return {
    process: (incoming) => (incoming[ATTR_HTTP_ROUTE] === undefined ? { ...incoming, [ATTR_HTTP_ROUTE]: value } : incoming),
  };
}
