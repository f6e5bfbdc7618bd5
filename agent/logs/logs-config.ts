import { formatProblem, loadSettings, type SettingsOf } from '../config';
import { agentLog } from '../runtime/agent-log';
import { logsSettings } from './settings';

export type LogsConfig = SettingsOf<typeof logsSettings>;

let active: LogsConfig | undefined;
const reported = new Set<string>();

/** Set once by the starting agent: loggers follow the agent's settings from then on. */
export function setActiveLogsConfig(config: LogsConfig): void {
  active = config;
}

/** The logs settings: the running agent's, else read now from env and the config file (bad values told once). */
export function currentLogsConfig(): LogsConfig {
  if (active) return active;
  const { config, problems } = loadSettings({ logs: logsSettings }, process.env);
  for (const p of problems) {
    const line = formatProblem(p);
    if (reported.has(line)) continue;
    reported.add(line);
    agentLog.always(line);
  }
  return config.logs;
}
