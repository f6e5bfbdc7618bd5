import { type ConfigProblem, formatProblem, type InvalidValue, type NotRead, readConfigFile, resolveSettings } from './resolve';
import type { Setting, SettingsOf } from './setting';

/** Settings by section, e.g. `{ metrics: metricsSettings, logs: logsSettings }`. */
export type SettingsSections = Record<string, Record<string, Setting<unknown>>>;
export type ConfigOf<R extends SettingsSections> = { [S in keyof R]: SettingsOf<R[S]> };

export interface LoadedSettings<R extends SettingsSections> {
  readonly config: ConfigOf<R>;
  readonly problems: readonly ConfigProblem[];
}

/** The variable that names the optional config file; read before any section. */
export const CONFIG_FILE_ENV = 'OTEL_COMPANION_CONFIG_FILE';

/**
 * Resolves every section from env, then the config file, then the defaults. Never throws: each
 * invalid value is a problem and falls back. With `reportUnknown`, every `OTEL_COMPANION_*`
 * variable that no setting of `sections` declares is a problem too (typos are the common cause),
 * and so is every variable of `notRead` that is set (standard variables the agent does not read).
 */
export function loadSettings<R extends SettingsSections>(
  sections: R,
  env: NodeJS.ProcessEnv,
  options: { reportUnknown?: boolean; notRead?: ReadonlyArray<{ env: string; instead: string }> } = {},
): LoadedSettings<R> {
  const problems: ConfigProblem[] = [];
  const fileName = env[CONFIG_FILE_ENV]?.trim() || undefined;
  const file = readConfigFile(fileName, problems);
  const source = { env, file, fileName };
  const config = {} as Record<string, unknown>;
  for (const [name, section] of Object.entries(sections)) config[name] = resolveSettings(section, source, problems);
  if (options.reportUnknown) {
    const known = new Set<string>([CONFIG_FILE_ENV]);
    for (const section of Object.values(sections)) for (const s of Object.values(section)) if (s.env) known.add(s.env);
    for (const key of Object.keys(env)) {
      if (key.startsWith('OTEL_COMPANION_') && !known.has(key)) {
        problems.push({ where: key, given: env[key] ?? '', reason: 'unknown variable', accepts: 'one of the settings in the README', usingDefault: 'nothing (ignored)' });
      }
    }
    for (const v of options.notRead ?? []) {
      if (env[v.env] !== undefined && env[v.env]!.trim() !== '') problems.push({ where: v.env, reason: 'not read by otel-companion', instead: v.instead });
    }
  }
  return { config: config as ConfigOf<R>, problems };
}

export { formatProblem, type ConfigProblem, type InvalidValue, type NotRead };
export type { Setting, SettingsOf } from './setting';
