/*
 * Where the agent's own spans record the request and query duration histograms on the fast
 * pipeline. The metrics concern implements them (agent/metrics/duration-recorders.ts); the
 * composition root hands them to whoever ends the spans. Types only: a concern that records
 * needs the shape, not the metrics concern.
 *
 * Each argument is one attribute value, passed as is: no attribute object is built per point.
 * `undefined` leaves the attribute out. Values must already be bounded (normalised method, route
 * template, never a raw path): every distinct combination is a series, up to the cardinality
 * limit, past which points go to one overflow series.
 */

/** `http.server.request.duration`. */
export interface HttpServerDurationRecorder {
  /**
   * @param seconds duration of the request
   * @param method `http.request.method`, normalised (GET, POST, ..., `_OTHER`)
   * @param scheme `url.scheme` (`http` or `https`)
   * @param statusCode `http.response.status_code`; `undefined` (or 0) when no response was sent
   * @param route `http.route`; `undefined` when no route matched (the metric then carries the
   *   configured unmatched-route label, or no route)
   * @param protocolVersion `network.protocol.version` (`1.1`, `2`); `undefined` leaves it out
   * @param errorType `error.type` when the request failed with an error (its name); for a 5xx
   *   response leave it `undefined`: the status code gives it
   */
  record(
    seconds: number, method: string, scheme: string, statusCode: number | undefined, route: string | undefined,
    protocolVersion: string | undefined, errorType: string | undefined,
  ): void;
}

/** `http.client.request.duration`. */
export interface HttpClientDurationRecorder {
  /**
   * @param seconds duration of the request
   * @param method `http.request.method`, normalised
   * @param serverAddress `server.address` (host name or IP the request went to)
   * @param serverPort `server.port`
   * @param statusCode `http.response.status_code`; `undefined` (or 0) when no response came
   * @param protocolVersion `network.protocol.version` of the response
   * @param errorType `error.type` when the request failed with an error (its name); for a 4xx or
   *   5xx response leave it `undefined`: the status code gives it
   */
  record(
    seconds: number, method: string, serverAddress: string | undefined, serverPort: number | undefined,
    statusCode: number | undefined, protocolVersion: string | undefined, errorType: string | undefined,
  ): void;
}

/** `db.client.operation.duration`. */
export interface DbOperationDurationRecorder {
  /**
   * @param seconds duration of the operation
   * @param system `db.system.name` (e.g. `postgresql`)
   * @param operation `db.operation.name` (the SQL verb), `undefined` when unknown
   * @param namespace `db.namespace` (the database)
   * @param serverAddress `server.address`
   * @param serverPort `server.port`
   * @param poolName `db.client.connection.pool.name`
   * @param errorType `error.type` when the operation failed (e.g. the SQLSTATE)
   */
  record(
    seconds: number, system: string, operation: string | undefined, namespace: string | undefined,
    serverAddress: string | undefined, serverPort: number | undefined, poolName: string | undefined, errorType: string | undefined,
  ): void;
}

export interface DurationRecorders {
  readonly httpServer: HttpServerDurationRecorder;
  readonly httpClient: HttpClientDurationRecorder;
  readonly db: DbOperationDurationRecorder;
}
