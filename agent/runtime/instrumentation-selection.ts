/** Instrumentations the agent supports and loads by default. */
export const DEFAULT_INSTRUMENTATIONS = ['http', 'express', 'pg', 'winston', 'runtime-node'] as const;

/**
 * The instrumentations to load: the enabled list without the disabled ones, each once. Every
 * concern builds its own from this set (tracing: http, express, pg and opt-ins; metrics:
 * runtime-node; logs: winston).
 */
export function activeInstrumentationNames(enabled: readonly string[], disabled: readonly string[]): Set<string> {
  const off = new Set(disabled);
  return new Set(enabled.filter((n) => !off.has(n)));
}
