import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { AgentConfig } from '../config';

/**
 * Terminal tree view of finished traces and the Web Debug Protocol /_profile transport.
 * PLACEHOLDER until the converters concern lands.
 */
export interface DevViewSetup {
  readonly spanProcessors: SpanProcessor[];
}

export function createDevView(_config: AgentConfig): DevViewSetup {
  return { spanProcessors: [] };
}
