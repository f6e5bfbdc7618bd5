import { settingsRegistry } from './registry';
import { type ConfigProblem, formatProblem, readConfigFile, resolveSettings } from './resolve';
import type { Setting, SettingsOf } from './setting';

type Registry = typeof settingsRegistry;
export type AgentConfig = { [S in keyof Registry]: SettingsOf<Registry[S]> };

export interface LoadedConfig {
  readonly config: AgentConfig;
  readonly problems: readonly ConfigProblem[];
}

const KNOWN_ENV = new Set<string>();
for (const section of Object.values(settingsRegistry)) {
  for (const s of Object.values(section) as Setting<unknown>[]) if (s.env) KNOWN_ENV.add(s.env);
}
/** Own variables read elsewhere (not agent settings), so not reported as unknown. */
const OTHER_OWN_ENV = new Set<string>([]);

/** Loads and validates every setting. Never throws. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const fileName = env.OTEL_COMPANION_CONFIG_FILE?.trim() || undefined;
  const file = readConfigFile(fileName, problems);
  const source = { env, file, fileName };
  const config = {} as Record<string, unknown>;
  for (const [name, section] of Object.entries(settingsRegistry)) {
    config[name] = resolveSettings(section as Record<string, Setting<unknown>>, source, problems);
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith('OTEL_COMPANION_') && !KNOWN_ENV.has(key) && !OTHER_OWN_ENV.has(key)) {
      problems.push({ where: key, given: env[key] ?? '', reason: 'unknown variable', accepts: 'one of the settings in the README', usingDefault: 'nothing (ignored)' });
    }
  }
  return { config: config as AgentConfig, problems };
}

export { formatProblem, type ConfigProblem };
