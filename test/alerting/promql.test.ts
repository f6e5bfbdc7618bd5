import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allQueries } from '../../collector-config/queries';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/postgres';
import { requireBinary } from './binaries';

// Every PromQL expression of the rules and the dashboards, parsed and evaluated
// by a real (empty) Prometheus. The end-to-end test runs them again against the
// stack with data; this catches a typo in seconds.
const prometheus = requireBinary('prometheus', 'apt-get install prometheus');
const queries = allQueries();

describe.runIf(prometheus.shouldRun)('every PromQL expression parses and evaluates in Prometheus', () => {
  let child: ChildProcess | undefined;
  let scratch = '';
  let url = '';
  let log = '';

  beforeAll(async () => {
    const binary = prometheus.require();
    scratch = mkdtempSync(join(tmpdir(), 'otel-companion-promql-'));
    writeFileSync(join(scratch, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      binary,
      [
        `--config.file=${join(scratch, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(scratch, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (log += d));
    child.stderr?.on('data', (d) => (log += d));
    await eventually(() => `Prometheus ready:\n${log}`, async () => (await fetch(`${url}/-/ready`)).ok, 60_000, 250);
  });

  afterAll(() => {
    child?.kill('SIGTERM');
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('exports the rules and the dashboards', () => {
    expect(queries.filter((q) => q.source === 'rule').length).toBe(18);
    expect(queries.filter((q) => q.source === 'dashboard').length).toBeGreaterThanOrEqual(30);
  });

  it.each(queries.map((q) => [`${q.source}: ${q.where}`, q] as const))('%s', async (_name, query) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query.expr)}`);
    const body = (await response.json()) as { status: string; error?: string };
    expect(body.status, `${query.file}: ${body.error}\n${query.expr}`).toBe('success');
  });

  it('a broken expression is reported (the check can fail)', async () => {
    const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m])')}`)).json()) as {
      status: string;
    };
    expect(body.status).toBe('error');
  });
});
