import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE, ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_SCHEME,
  METRIC_DB_CLIENT_OPERATION_DURATION, METRIC_HTTP_CLIENT_REQUEST_DURATION, METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import type { DbOperationDurationRecorder, HttpClientDurationRecorder, HttpServerDurationRecorder } from '../runtime/duration-recorders';
import { DurationHistogram } from './duration-histogram';
import { ATTR_DB_CLIENT_CONNECTION_POOL_NAME } from './semconv';

/*
 * The three duration histograms of the fast pipeline, each with the attributes, names,
 * descriptions and units its upstream counterpart records: @opentelemetry/instrumentation-http for
 * the HTTP ones (its stable-semconv metric attributes, plus the unmatched-route label the agent's
 * view adds), pg-metrics.ts for the database one. A series' attribute object is built once, when
 * the series is created; a point only walks the series tree with its label values.
 */

export const HTTP_SERVER_DURATION_DESCRIPTION = 'Duration of HTTP server requests.';
export const HTTP_CLIENT_DURATION_DESCRIPTION = 'Duration of HTTP client requests.';
export const DB_OPERATION_DURATION_DESCRIPTION = 'Duration of database client operations.';

/** `error.type` for a response status, as instrumentation-http sets it: the code as a string from `lowest` to 599. */
function statusErrorType(status: number | undefined, lowest: number): string | undefined {
  return typeof status === 'number' && status >= lowest && status < 600 ? String(status) : undefined;
}

/**
 * Attributes of an http.server.request.duration point, in the order instrumentation-http and the
 * agent's route view give them. A falsy status or protocol version is left out, as upstream does;
 * an explicit error type wins over the one the status gives.
 */
export function httpServerAttributes(
  method: string, scheme: string, statusCode: number | undefined, route: string | undefined,
  protocolVersion: string | undefined, errorType: string | undefined, unmatchedRoute: string | undefined,
): Attributes {
  const a: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_SCHEME]: scheme };
  if (protocolVersion) a[ATTR_NETWORK_PROTOCOL_VERSION] = protocolVersion;
  if (route !== undefined) a[ATTR_HTTP_ROUTE] = route;
  if (statusCode) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
  const error = errorType ?? statusErrorType(statusCode, 500);
  if (error !== undefined) a[ATTR_ERROR_TYPE] = error;
  if (route === undefined && unmatchedRoute !== undefined) a[ATTR_HTTP_ROUTE] = unmatchedRoute;
  return a;
}

/** Attributes of an http.client.request.duration point, as instrumentation-http gives them (4xx and 5xx are errors here). */
export function httpClientAttributes(
  method: string, serverAddress: string | undefined, serverPort: number | undefined, statusCode: number | undefined,
  protocolVersion: string | undefined, errorType: string | undefined,
): Attributes {
  const a: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: method };
  if (serverAddress !== undefined) a[ATTR_SERVER_ADDRESS] = serverAddress;
  if (serverPort !== undefined) a[ATTR_SERVER_PORT] = serverPort;
  if (protocolVersion) a[ATTR_NETWORK_PROTOCOL_VERSION] = protocolVersion;
  if (statusCode) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = statusCode;
  const error = errorType ?? statusErrorType(statusCode, 400);
  if (error !== undefined) a[ATTR_ERROR_TYPE] = error;
  return a;
}

/** Attributes of a db.client.operation.duration point (pg-metrics.ts): each one present unless `undefined`. */
export function dbOperationAttributes(
  system: string, operation: string | undefined, namespace: string | undefined, serverAddress: string | undefined,
  serverPort: number | undefined, poolName: string | undefined, errorType: string | undefined,
): Attributes {
  const a: Attributes = { [ATTR_DB_SYSTEM_NAME]: system };
  if (operation !== undefined) a[ATTR_DB_OPERATION_NAME] = operation;
  if (namespace !== undefined) a[ATTR_DB_NAMESPACE] = namespace;
  if (serverAddress !== undefined) a[ATTR_SERVER_ADDRESS] = serverAddress;
  if (serverPort !== undefined) a[ATTR_SERVER_PORT] = serverPort;
  if (poolName !== undefined) a[ATTR_DB_CLIENT_CONNECTION_POOL_NAME] = poolName;
  if (errorType !== undefined) a[ATTR_ERROR_TYPE] = errorType;
  return a;
}

export interface HistogramLimits {
  readonly boundaries: readonly number[];
  /** Series at most, overflow included (default 2000). */
  readonly cardinalityLimit?: number;
}

export class HttpServerDuration implements HttpServerDurationRecorder {
  readonly histogram: DurationHistogram;

  /** `unmatchedRoute`: http.route of requests no route matched; undefined leaves the attribute out. */
  constructor(limits: HistogramLimits, unmatchedRoute: string | undefined) {
    this.histogram = new DurationHistogram({
      name: METRIC_HTTP_SERVER_REQUEST_DURATION, description: HTTP_SERVER_DURATION_DESCRIPTION, unit: 's', ...limits,
      attributes: (route, method, status, scheme, protocol, error) => httpServerAttributes(
        method as string, scheme as string, status as number | undefined, route as string | undefined,
        protocol as string | undefined, error as string | undefined, unmatchedRoute,
      ),
    });
  }

  record(
    seconds: number, method: string, scheme: string, statusCode: number | undefined, route: string | undefined,
    protocolVersion: string | undefined, errorType: string | undefined,
  ): void {
    // 0 and '' are left out like undefined, so they share its series.
    this.histogram.record(seconds, route, method, statusCode || undefined, scheme, protocolVersion || undefined, errorType, undefined);
  }
}

export class HttpClientDuration implements HttpClientDurationRecorder {
  readonly histogram: DurationHistogram;

  constructor(limits: HistogramLimits) {
    this.histogram = new DurationHistogram({
      name: METRIC_HTTP_CLIENT_REQUEST_DURATION, description: HTTP_CLIENT_DURATION_DESCRIPTION, unit: 's', ...limits,
      attributes: (address, port, method, status, protocol, error) => httpClientAttributes(
        method as string, address as string | undefined, port as number | undefined, status as number | undefined,
        protocol as string | undefined, error as string | undefined,
      ),
    });
  }

  record(
    seconds: number, method: string, serverAddress: string | undefined, serverPort: number | undefined,
    statusCode: number | undefined, protocolVersion: string | undefined, errorType: string | undefined,
  ): void {
    this.histogram.record(seconds, serverAddress, serverPort, method, statusCode || undefined, protocolVersion || undefined, errorType, undefined);
  }
}

export class DbOperationDuration implements DbOperationDurationRecorder {
  readonly histogram: DurationHistogram;

  constructor(limits: HistogramLimits) {
    this.histogram = new DurationHistogram({
      name: METRIC_DB_CLIENT_OPERATION_DURATION, description: DB_OPERATION_DURATION_DESCRIPTION, unit: 's', ...limits,
      attributes: (operation, pool, namespace, address, port, system, error) => dbOperationAttributes(
        system as string, operation as string | undefined, namespace as string | undefined, address as string | undefined,
        port as number | undefined, pool as string | undefined, error as string | undefined,
      ),
    });
  }

  record(
    seconds: number, system: string, operation: string | undefined, namespace: string | undefined,
    serverAddress: string | undefined, serverPort: number | undefined, poolName: string | undefined, errorType: string | undefined,
  ): void {
    this.histogram.record(seconds, operation, poolName, namespace, serverAddress, serverPort, system, errorType);
  }
}
