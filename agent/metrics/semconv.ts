/*
 * Incubating semantic-convention names used by the metrics concern. Copied from
 * @opentelemetry/semantic-conventions/incubating (1.45.0), as that package's README asks:
 * the incubating entry point is large and may change in minor releases, so it is not loaded at
 * run time. Stable names are imported from '@opentelemetry/semantic-conventions' directly.
 */

export const METRIC_DB_CLIENT_CONNECTION_COUNT = 'db.client.connection.count' as const;
export const METRIC_DB_CLIENT_CONNECTION_MAX = 'db.client.connection.max' as const;
export const METRIC_DB_CLIENT_CONNECTION_PENDING_REQUESTS = 'db.client.connection.pending_requests' as const;
export const ATTR_DB_CLIENT_CONNECTION_POOL_NAME = 'db.client.connection.pool.name' as const;
export const ATTR_DB_CLIENT_CONNECTION_STATE = 'db.client.connection.state' as const;
export const DB_CLIENT_CONNECTION_STATE_VALUE_IDLE = 'idle' as const;
export const DB_CLIENT_CONNECTION_STATE_VALUE_USED = 'used' as const;

export const METRIC_PROCESS_CPU_TIME = 'process.cpu.time' as const;
export const METRIC_PROCESS_MEMORY_USAGE = 'process.memory.usage' as const;
export const ATTR_CPU_MODE = 'cpu.mode' as const;
export const CPU_MODE_VALUE_USER = 'user' as const;
export const CPU_MODE_VALUE_SYSTEM = 'system' as const;

/**
 * Semconv marks this name deprecated (its per-space meaning moved to v8js.memory.heap.space.size).
 * We emit it with the meaning operators expect from "heap limit": V8's heap_size_limit for the
 * whole process, the denominator of the MemoryNearLimit alert.
 */
export const METRIC_V8JS_MEMORY_HEAP_LIMIT = 'v8js.memory.heap.limit' as const;

/** Meter names of the contrib instrumentations whose duplicate instruments are dropped by views. */
export const PG_INSTRUMENTATION_SCOPE = '@opentelemetry/instrumentation-pg' as const;
