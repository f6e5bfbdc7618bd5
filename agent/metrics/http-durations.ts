import { ValueType, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_SCHEME, METRIC_HTTP_CLIENT_REQUEST_DURATION, METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import type { HttpClientDurationRecorder, HttpDurationRecorder } from '../runtime/request-metrics';

/** Meter (instrumentation scope) of the HTTP durations the agent's own HTTP spans record. */
export const HTTP_METRICS_SCOPE = 'otel-companion/http';

/**
 * http.server.request.duration and http.client.request.duration for the agent's own HTTP spans,
 * through sdk-metrics histograms (the views in ./views.ts give them their buckets and the
 * unmatched route), with the attributes instrumentation-http records.
 */
export function httpDurationRecorders(meter: Meter): { server: HttpDurationRecorder; client: HttpClientDurationRecorder } {
  const server: Histogram = meter.createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
    description: 'Duration of HTTP server requests.', unit: 's', valueType: ValueType.DOUBLE,
  });
  const client: Histogram = meter.createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
    description: 'Duration of HTTP client requests.', unit: 's', valueType: ValueType.DOUBLE,
  });
  return {
    server: {
      record(seconds, method, scheme, statusCode, route, protocolVersion, errorType) {
        const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme };
        if (protocolVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = protocolVersion;
        if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
        if (statusCode) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
        if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
        server.record(seconds, attributes);
      },
    },
    client: {
      record(seconds, method, serverAddress, serverPort, statusCode, protocolVersion, errorType) {
        const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method };
        if (serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = serverAddress;
        if (serverPort !== undefined) attributes[ATTR_SERVER_PORT] = serverPort;
        if (protocolVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = protocolVersion;
        if (statusCode) attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
        if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
        client.record(seconds, attributes);
      },
    },
  };
}
