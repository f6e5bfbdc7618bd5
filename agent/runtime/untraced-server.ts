/** Marks a server whose requests are not app traffic (the Prometheus scrape endpoint): never traced, never measured. */
export const UNTRACED_SERVER = Symbol.for('otel-companion.untraced-server');
