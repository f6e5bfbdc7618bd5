/**
 * Free-port planning of the native stack must never hand out one port twice. A probe that is
 * closed as soon as its port is read makes the port free again, and the next probe of the same
 * plan could get it back (CI failed once with "native port … planned twice"): the probes of a
 * plan stay bound until the plan is complete.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planNativeStack, PortReservations, PROFILES } from '../../scripts/stack/native.mjs';

describe('native stack port planning', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'otel-companion-ports-'));
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it('reserves distinct ports until released', async () => {
    const reservations = new PortReservations();
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await reservations.take());
    await reservations.release();
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it.each(PROFILES)('plans the %s profile 200 times in a row without a collision', async (profile) => {
    let plannedPorts = 0;
    for (let i = 0; i < 200; i++) {
      // planNativeStack throws "native port N planned twice" on a collision.
      const plan = await planNativeStack({ profile, runDir, ports: 'free', jaegerStorage: 'memory', env: { OTELCOL_SAMPLING: 'off' } });
      const ports = plan.services.flatMap((s) => Object.values(s.ports).map((port) => `${s.address}:${port}`));
      expect(new Set(ports).size).toBe(ports.length);
      plannedPorts += ports.length;
    }
    expect(plannedPorts).toBeGreaterThanOrEqual(200 * (profile === 'scale' ? 40 : 10));
  }, 240_000);

  // A Cassandra driver dials every node it discovers on one port (Jaeger's connection.port). With
  // a port per node, Jaeger lost every host once its control connection moved to the other node
  // (CI: "gocql: no hosts available in the pool" with cassandra-2 down).
  it("gives both Cassandra nodes the same ports, each on its own address, and Jaeger's port setting that port", async () => {
    for (const ports of ['free', 'compose'] as const) {
      const plan = await planNativeStack({ profile: 'scale', runDir, ports, env: { OTELCOL_SAMPLING: 'off' } });
      const [one, two] = ['cassandra-1', 'cassandra-2'].map((n) => plan.services.find((s) => s.name === n)!);
      expect([one.address, two.address]).toEqual(['127.0.0.1', '127.0.0.2']);
      expect(two.ports, ports).toEqual(one.ports);
      const jaeger = plan.services.find((s) => s.name === 'jaeger-1')!;
      const storageArg = jaeger.args.find((a) => a.endsWith('storage-cassandra.yaml'))!.replace(/^--config=/, '');
      const storage = readFileSync(storageArg, 'utf8');
      expect(storage, ports).toMatch(new RegExp(`^\\s*port: ${one.ports[9042]}$`, 'm'));
      expect(storage, ports).toContain(`servers: ["127.0.0.1:${one.ports[9042]}", "127.0.0.2:${one.ports[9042]}"]`);
    }
  });
});
