import { loadSettings, type ConfigOf, type ConfigProblem, formatProblem } from '../config';
import { notReadExportVariables } from '../runtime/export-settings';
import { settingsRegistry } from './settings-registry';

export type AgentConfig = ConfigOf<typeof settingsRegistry>;

export interface LoadedConfig {
  readonly config: AgentConfig;
  readonly problems: readonly ConfigProblem[];
}

/** Loads and validates every setting of the agent. Never throws. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  return loadSettings(settingsRegistry, env, { reportUnknown: true, notRead: notReadExportVariables });
}

export { formatProblem, type ConfigProblem };
