// Starts scripts/pg-server.mjs (embedded PostgreSQL in a process of its own) and resolves when it
// is ready. Shared by the demo, the benchmarks and the test suite.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('./pg-server.mjs', import.meta.url));

/**
 * @param {string} name a label for the data dir
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<{ url: string, port: number, stop(): Promise<void> }>}
 */
export async function startPgServer(name, { timeoutMs = 120_000 } = {}) {
  const child = spawn(process.execPath, [serverScript, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded PostgreSQL did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/PG_URL (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with code ${code}: ${err}`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
