import { companionTracingSettings, standardSettings } from '../tracing/settings';
import { metricsSettings } from '../metrics/settings';
import { logsSettings } from '../logs/settings';
import { processorsSettings } from '../processors/settings';
import { devviewSettings } from '../devview/settings';

/** Every setting of the agent, by section. The README table is generated from this. */
export const settingsRegistry = {
  standard: standardSettings,
  tracing: companionTracingSettings,
  metrics: metricsSettings,
  logs: logsSettings,
  processors: processorsSettings,
  devview: devviewSettings,
} as const;
