import { agentSettings } from './agent-settings';
import { exportSettings } from '../runtime/export-settings';
import { tracingSettings } from '../tracing/settings';
import { metricsSettings } from '../metrics/settings';
import { logsSettings } from '../logs/settings';
import { processorsSettings } from '../processors/settings';
import { devviewSettings } from '../devview/settings';

/**
 * Every setting of the agent, one section per concern: each concern is given only its own section.
 * The README table is generated from this, in this order.
 */
export const settingsRegistry = {
  agent: agentSettings,
  export: exportSettings,
  tracing: tracingSettings,
  metrics: metricsSettings,
  logs: logsSettings,
  processors: processorsSettings,
  devview: devviewSettings,
} as const;

export const SECTION_TITLES: Record<keyof typeof settingsRegistry, string> = {
  agent: 'Agent',
  export: 'OTLP export',
  tracing: 'Traces',
  metrics: 'Metrics',
  logs: 'Logs',
  processors: 'Redaction, enrichment, filtering',
  devview: 'Dev view and Web Debug Protocol',
};
