/**
 * Alert thresholds: the table from the project's performance baseline.
 * One source for the rules (alerts-src), the dashboards' threshold lines
 * (grafana/dashboards-src) and the runbooks' wording.
 */
export interface Levels {
  warning: number;
  critical: number;
}

export const thresholds = {
  /** 5xx share of HTTP server requests per service, over 5m. */
  httpErrorRatio: { warning: 0.01, critical: 0.05 },
  /** p95 of HTTP server request duration per service, seconds. */
  httpLatencyP95Seconds: { warning: 0.5, critical: 2 },
  /** p95 of database operation duration per service and operation, seconds. */
  dbOperationP95Seconds: { warning: 0.1, critical: 0.5 },
  /** Connections in use / pool maximum, per pool and process. */
  dbPoolUsageRatio: { warning: 0.75, critical: 0.95 },
  /** p99 event-loop delay per process, seconds. */
  eventLoopDelayP99Seconds: { warning: 0.1, critical: 0.5 },
  /** V8 heap used / heap limit per process. */
  heapUsageRatio: { warning: 0.7, critical: 0.9 },
  /** Collector sending-queue fill ratio (warning only). */
  collectorQueueRatio: 0.8,
} as const satisfies Record<string, Levels | number>;

/** Milliseconds variant, for span-metrics panels (the connector's histogram unit is ms). */
export function inMilliseconds(levels: Levels): Levels {
  return { warning: levels.warning * 1000, critical: levels.critical * 1000 };
}
