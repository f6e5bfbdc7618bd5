import * as fs from 'node:fs';
import { type Setting, type SettingsOf, SettingError } from './setting';

/** One rejected value. Printed as one line; the default is used instead. */
export interface InvalidValue {
  readonly where: string;
  readonly given: string;
  readonly reason: string;
  readonly accepts: string;
  readonly usingDefault: string;
}

/**
 * A standard variable that is set but that the agent does not read. Its value is not repeated
 * (headers and key files may be secrets).
 */
export interface NotRead {
  readonly where: string;
  readonly reason: 'not read by otel-companion';
  readonly instead: string;
}

export type ConfigProblem = InvalidValue | NotRead;

export function formatProblem(p: ConfigProblem): string {
  if ('instead' in p) return `${p.where} is set but ${p.reason}; use ${p.instead}`;
  return `invalid ${p.where}=${JSON.stringify(p.given)} (${p.reason}); expected ${p.accepts}; using ${p.usingDefault}`;
}

export interface ConfigSource {
  readonly env: NodeJS.ProcessEnv;
  /** Parsed config file, or undefined when there is none. */
  readonly file?: Record<string, unknown>;
  readonly fileName?: string;
}

function getPath(obj: Record<string, unknown> | undefined, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(value: unknown): string {
  if (value === undefined) return 'no value';
  return `default ${JSON.stringify(value)}`;
}

/**
 * Resolves a group of settings: env first, then the config file, then the default.
 * Never throws: each invalid value becomes a problem and falls back.
 */
export function resolveSettings<S extends Record<string, Setting<unknown>>>(
  settings: S,
  source: ConfigSource,
  problems: ConfigProblem[],
): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(settings)) {
    const s = settings[key]!;
    let value: unknown = s.default;
    const raw = s.env ? source.env[s.env] : undefined;
    if (s.env && raw !== undefined && raw.trim() !== '') {
      try {
        value = s.parse(raw);
      } catch (err) {
        // An invalid env value must not be silently replaced by the file's value: the default is used.
        problems.push({ where: s.env, given: raw, reason: reason(err), accepts: s.accepts, usingDefault: show(s.default) });
      }
    } else if (s.file && source.file) {
      const fromFile = getPath(source.file, s.file);
      if (fromFile !== undefined) {
        try {
          value = s.parse(fromFile);
        } catch (err) {
          problems.push({
            where: `${source.fileName ?? 'config file'}:${s.file}`,
            given: typeof fromFile === 'string' ? fromFile : JSON.stringify(fromFile),
            reason: reason(err),
            accepts: s.accepts,
            usingDefault: show(s.default),
          });
        }
      }
    }
    out[key] = value;
  }
  return out as SettingsOf<S>;
}

function reason(err: unknown): string {
  if (err instanceof SettingError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads the optional config file (JSON or YAML). A file that cannot be read or parsed is a
 * problem, not a crash: every setting then comes from env and defaults.
 */
export function readConfigFile(path: string | undefined, problems: ConfigProblem[]): Record<string, unknown> | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    problems.push({ where: 'OTEL_COMPANION_CONFIG_FILE', given: path, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? reason(err)}`, accepts: 'a readable .json, .yaml or .yml file', usingDefault: 'env and defaults only' });
    return undefined;
  }
  try {
    // yaml is loaded only when a YAML file is given: it is not free at start-up.
    const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : (require('yaml') as typeof import('yaml')).parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level is not a mapping');
    return parsed as Record<string, unknown>;
  } catch (err) {
    const e = err as { linePos?: Array<{ line: number }>; message?: string };
    const line = e.linePos?.[0]?.line;
    problems.push({ where: 'OTEL_COMPANION_CONFIG_FILE', given: path, reason: `cannot parse${line ? ` (line ${line})` : ''}: ${String(e.message ?? err).split('\n')[0]}`, accepts: 'a JSON or YAML mapping', usingDefault: 'env and defaults only' });
    return undefined;
  }
}
