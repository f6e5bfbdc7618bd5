/**
 * How the tracing concern hands a finished HTTP request to the metrics concern, without either
 * importing the other: the composition root connects the two. Arguments are the series' label
 * values, in the order of the semantic conventions' attribute table; undefined leaves a label out.
 */
export interface HttpDurationRecorder {
  record(
    seconds: number,
    method: string,
    scheme: string,
    statusCode: number | undefined,
    route: string | undefined,
    protocolVersion: string | undefined,
    errorType: string | undefined,
  ): void;
}

/** Client requests: server address and port instead of the route. */
export interface HttpClientDurationRecorder {
  record(
    seconds: number,
    method: string,
    serverAddress: string | undefined,
    serverPort: number | undefined,
    statusCode: number | undefined,
    protocolVersion: string | undefined,
    errorType: string | undefined,
  ): void;
}

/** Marks a server whose requests are not app traffic (the Prometheus scrape endpoint): never traced, never measured. */
export const UNTRACED_SERVER = Symbol.for('otel-companion.untraced-server');
