import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface RunningApp {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<AppExit>;
  readonly exited: Promise<AppExit>;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the stop() call (or from start when the app exited by itself). */
  elapsedMs: number;
}

export interface RunAppOptions {
  /** How the agent is loaded: the flags a user would type. */
  preload?: 'require' | 'import' | 'none';
  env?: NodeJS.ProcessEnv;
  /** Wait for `LISTENING <port>` on stdout (default true). */
  waitForListening?: boolean;
  startTimeoutMs?: number;
  args?: string[];
  /** Working directory, where `otel-companion/register` is resolved from (default: the repo root). */
  cwd?: string;
}

/** The Node running the tests: Node 24 from node_modules under npm scripts (not the machine's Node 20), the engines floor under scripts/test-on-node-floor.mjs. */
export const NODE = process.execPath;

export function preloadFlags(preload: RunAppOptions['preload']): string[] {
  if (preload === 'require') return ['--require', 'otel-companion/register'];
  if (preload === 'import') return ['--import', 'otel-companion/register'];
  return [];
}

/**
 * Starts `script` in a child process exactly as a user would (`node --require otel-companion/register app.js`),
 * by default from the repo root so the package resolves itself. The app prints `LISTENING <port>` when ready.
 */
export async function runApp(script: string, opts: RunAppOptions = {}): Promise<RunningApp> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    // The agent suites run once per pipeline (npm test): the test run's choice reaches every app.
    ...(process.env.OTEL_COMPANION_PIPELINE ? { OTEL_COMPANION_PIPELINE: process.env.OTEL_COMPANION_PIPELINE } : {}),
    ...opts.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const started = Date.now();
  const child = spawn(NODE, [...preloadFlags(opts.preload ?? 'require'), path.resolve(REPO_ROOT, script), ...(opts.args ?? [])], {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let stopAt = started;
  const exited = new Promise<AppExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, elapsedMs: Date.now() - stopAt }));
  });

  let port = 0;
  if (opts.waitForListening !== false) {
    const timeout = opts.startTimeoutMs ?? 20_000;
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app ${script} did not print LISTENING within ${timeout} ms\nstdout:\n${out}\nstderr:\n${err}`)), timeout);
      const check = () => {
        const m = out.match(/LISTENING (\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', check);
      void exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`app ${script} exited early (code ${e.code}, signal ${e.signal})\nstdout:\n${out}\nstderr:\n${err}`));
      });
      check();
    });
  }

  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopAt = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a plain script (no agent preload) in a child process until it exits by itself, with only
 * PATH and `env` in its environment. A child still running after `timeoutMs` is killed (signal
 * SIGKILL in the result), so a process that never exits fails its test instead of hanging it.
 */
export function runScriptToExit(script: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ScriptRun> {
  const child = spawn(NODE, [path.resolve(REPO_ROOT, script)], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
