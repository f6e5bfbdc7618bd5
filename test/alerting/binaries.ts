import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { onCI } from '../helpers/ci';

/**
 * A system binary a suite needs (promtool, amtool, dashboard-linter...).
 * Missing on a dev machine: the suite is skipped with a loud message.
 * Missing on CI (any truthy CI): the suite runs and its first test fails, naming the
 * binary and how to install it, so a skipped check never passes as green.
 */
export interface RequiredBinary {
  name: string;
  path: string | undefined;
  /** Run the suite? False only when missing on a dev machine. */
  shouldRun: boolean;
  /** Throws with the install hint when the binary is missing. */
  require(): string;
}

function locate(candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate.includes('/')) {
      const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
      if (!probe.error) return candidate;
      continue;
    }
    try {
      const found = execFileSync('sh', ['-c', `command -v ${candidate}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

export function requireBinary(name: string, installHint: string, candidates: string[] = [name]): RequiredBinary {
  const path = locate(candidates);
  const ci = onCI();
  if (!path && !ci) {
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!!! SKIPPED: ${name} is not installed; these checks did NOT run.\n!!! Install: ${installHint}\n!!! (On CI, with CI set to true, 1 or yes, this is a failure.)\n${bar}\n`);
  }
  return {
    name,
    path,
    shouldRun: Boolean(path) || ci,
    require(): string {
      if (!path) throw new Error(`${name} is required on CI but not installed. Install: ${installHint}`);
      return path;
    },
  };
}

/** Runs a binary, returning status and combined output (never throws on non-zero exit). */
export function run(binary: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): {
  status: number | null;
  output: string;
} {
  const result: SpawnSyncReturns<string> = spawnSync(binary, args, {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
