/**
 * Static checks of docker-compose.yml (there is no Docker engine here):
 *  - compose-check, built from compose-go (the loader `docker compose config`
 *    runs), validates it against the compose spec and normalizes it;
 *  - the stack's house rules: loopback-only ports, pinned images, healthchecks
 *    behind every depends_on, named volumes for state, no admin/admin;
 *  - every mounted config file exists, and the native stack runs the same
 *    files and command lines, changed only by recorded host/port/path rewrites.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireBinary, run } from '../alerting/binaries';
import {
  composeFile,
  NATIVE_SERVICES,
  planNativeStack,
  readCompose,
  repoRoot,
  stackBinDir,
  type NativePlan,
} from '../../scripts/stack/native.mjs';

const provisionHint = 'bash scripts/stack/provision.sh';
const composeCheck = requireBinary('compose-check', provisionHint, [join(stackBinDir, 'compose-check')]);
const collector = requireBinary('otelcol-companion', provisionHint, [join(stackBinDir, 'otelcol-companion')]);

interface NormalizedService {
  image?: string;
  build?: unknown;
  ports?: { host_ip?: string; published?: string; target: number }[];
  volumes?: { type: string; source: string; target: string }[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | null>;
}
interface NormalizedProject {
  services: Record<string, NormalizedService>;
  volumes: Record<string, unknown>;
}

function loadNormalized(env: Record<string, string | undefined>): { status: number | null; output: string } {
  const result = spawnSync(composeCheck.require(), [composeFile], { encoding: 'utf8', env: env as NodeJS.ProcessEnv });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

describe.runIf(composeCheck.shouldRun)('docker-compose.yml, loaded by compose-go (as `docker compose config`)', () => {
  let project: NormalizedProject;

  beforeAll(() => {
    const { status, output } = loadNormalized({ ...baseEnv, GRAFANA_ADMIN_PASSWORD: 'test-only-password' });
    expect(status, output).toBe(0);
    project = JSON.parse(output) as NormalizedProject;
  });

  it('is valid against the compose spec and consistent', () => {
    expect(Object.keys(project.services).sort()).toEqual(
      ['alert-webhook', 'alertmanager', 'bridge', 'collector', 'demo-app', 'grafana', 'jaeger', 'postgres', 'prometheus', 'volume-init'].sort(),
    );
  });

  it('refuses to start without GRAFANA_ADMIN_PASSWORD: there is no admin/admin default', () => {
    const { status, output } = loadNormalized(baseEnv);
    expect(status).not.toBe(0);
    expect(output).toMatch(/GRAFANA_ADMIN_PASSWORD/);
    const grafanaEnv = project.services.grafana.environment ?? {};
    expect(grafanaEnv.GF_SECURITY_ADMIN_PASSWORD).toBe('test-only-password');
    // The raw value is a required variable: no default of any kind (not even admin).
    const raw = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: { grafana: { environment: Record<string, string> } } };
    expect(raw.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
  });

  it('publishes every host port on 127.0.0.1 only', () => {
    const published = Object.entries(project.services).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => ({ name, ...p })));
    expect(published.length).toBeGreaterThan(5);
    for (const port of published) expect(port.host_ip, `${port.name} publishes ${port.published}`).toBe('127.0.0.1');
  });

  it('pins every pulled image to a version (no latest, no bare name)', () => {
    for (const [name, svc] of Object.entries(project.services)) {
      if (svc.build) continue; // built locally from this repository
      const image = svc.image ?? '';
      expect(image, `services.${name}.image`).toMatch(/^[\w./-]+:[\w.-]+(@sha256:[a-f0-9]{64})?$/);
      expect(image, `services.${name}.image`).not.toMatch(/:latest\b/);
    }
  });

  it('gives every long-running service a healthcheck, and every depends_on a condition on one', () => {
    for (const [name, svc] of Object.entries(project.services)) {
      if (name === 'volume-init') continue; // one-shot; depended on with service_completed_successfully
      expect(svc.healthcheck?.test?.length, `services.${name}.healthcheck`).toBeGreaterThan(0);
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully'], `services.${name}.depends_on.${dep}`).toContain(condition);
        if (condition === 'service_healthy') expect(project.services[dep].healthcheck?.test?.length, `${dep} healthcheck`).toBeGreaterThan(0);
      }
    }
  });

  it('keeps state on named volumes, so data survives docker compose down / up', () => {
    const dataPaths: Record<string, string> = {
      collector: '/var/lib/otelcol',
      jaeger: '/var/lib/jaeger',
      prometheus: '/prometheus',
      alertmanager: '/alertmanager',
      grafana: '/var/lib/grafana',
      postgres: '/var/lib/postgresql/data',
    };
    for (const [name, path] of Object.entries(dataPaths)) {
      const mount = project.services[name].volumes?.find((v) => v.target === path);
      expect(mount?.type, `services.${name} mounts a named volume at ${path}`).toBe('volume');
      expect(project.volumes).toHaveProperty(mount!.source);
    }
  });

  it('mounts only files and folders that exist in the repository', () => {
    const binds = Object.entries(project.services).flatMap(([name, svc]) =>
      (svc.volumes ?? []).filter((v) => v.type === 'bind').map((v) => ({ name, ...v })),
    );
    expect(binds.length).toBeGreaterThan(5);
    for (const bind of binds) {
      expect(existsSync(bind.source), `services.${bind.name}: ${relative(repoRoot, bind.source)} (-> ${bind.target}) exists`).toBe(true);
      expect(relative(repoRoot, bind.source).startsWith('..'), `${bind.source} is inside the repository`).toBe(false);
    }
  });
});

describe('native stack plan mirrors docker-compose.yml', () => {
  let plan: NativePlan;
  let runDir: string;
  const compose = readCompose();

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'otel-companion-plan-'));
    plan = await planNativeStack({ runDir, env: { OTELCOL_SAMPLING: 'off' } });
  });
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it('runs every native service from compose, in depends_on order', () => {
    expect(plan.services.map((s) => s.name).sort()).toEqual([...NATIVE_SERVICES].sort());
    const order = plan.services.map((s) => s.name);
    for (const svc of plan.services) for (const dep of svc.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(svc.name));
  });

  it('copies every bind mount of those services from the same repository file', () => {
    for (const svc of plan.services) {
      const binds = (compose.services[svc.name].volumes ?? []).map(String).filter((v) => v.startsWith('.'));
      expect(svc.mounts.map((m) => relative(repoRoot, m.source)).sort(), svc.name).toEqual(
        binds.map((v) => relative(repoRoot, join(repoRoot, v.split(':')[0]))).sort(),
      );
    }
  });

  it('changes the copies only by the recorded host, port and path rewrites', () => {
    let files = 0;
    for (const svc of plan.services) {
      expect(svc.rewrites.every((r) => ['host-port', 'listen-address', 'path'].includes(r.kind)), svc.name).toBe(true);
      for (const mount of svc.mounts) {
        for (const file of listFiles(mount.source)) {
          const copy = join(mount.copy, relative(mount.source, file));
          const original = readFileSync(file, 'utf8').split('\n');
          const rewritten = readFileSync(copy, 'utf8').split('\n');
          expect(rewritten.length, copy).toBe(original.length);
          original.forEach((line, i) => {
            if (line !== rewritten[i]) expect(rewrite(line, svc.rewrites), `${relative(repoRoot, file)}:${i + 1}`).toBe(rewritten[i]);
          });
          files++;
        }
        // Natively, everything listens on and calls loopback only.
        for (const file of listFiles(mount.copy)) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\b0\.0\.0\.0:\d+/);
      }
    }
    expect(files).toBeGreaterThan(10);
  });

  it('runs the compose command line, with only the same rewrites', () => {
    for (const svc of plan.services) {
      const composeArgs = ([] as string[])
        .concat(compose.services[svc.name].command ?? [])
        .map((a) => a.replace('${OTELCOL_SAMPLING:-off}', 'off'));
      const nativeArgs = svc.program === process.execPath ? ['node', ...svc.args] : svc.args;
      expect(nativeArgs.length, svc.name).toBe(composeArgs.length);
      composeArgs.forEach((arg, i) => {
        const expected = svc.program === process.execPath && i === 0 ? 'node' : rewrite(arg, svc.rewrites);
        expect(nativeArgs[i], `${svc.name} argument ${i}`).toBe(expected);
      });
    }
  });

  it('probes the same health endpoints as the compose healthchecks', () => {
    for (const svc of plan.services) {
      const test = ([] as string[]).concat(compose.services[svc.name].healthcheck?.test ?? []).join(' ');
      const path = new URL(svc.healthUrl).pathname;
      expect(test, svc.name).toContain(path);
    }
  });

  it('loads every collector config file compose passes, and every one of them exists', () => {
    const collectorPlan = plan.services.find((s) => s.name === 'collector')!;
    const configs = collectorPlan.args.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
    expect(configs.length).toBeGreaterThanOrEqual(8);
    for (const file of configs) expect(existsSync(file), file).toBe(true);
  });
});

/** The component types a set of collector config files uses. */
function usedComponents(files: string[]): Record<string, Set<string>> {
  const used: Record<string, Set<string>> = {
    receivers: new Set(),
    processors: new Set(),
    exporters: new Set(),
    connectors: new Set(),
    extensions: new Set(),
  };
  for (const file of files) {
    const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, Record<string, unknown> | undefined>;
    for (const kind of Object.keys(used)) for (const id of Object.keys(doc[kind] ?? {})) used[kind].add(id.split('/')[0]);
  }
  return used;
}

/**
 * Components the build carries that no stack config file uses, each with its user (the manifest
 * comments say the same).
 */
const BUILT_FOR_OTHER_USES: Record<string, string[]> = {
  // The scale-out profile's agent collectors (load_balancing) and log export (otlp_http), wired in the following commits.
  exporters: ['load_balancing', 'otlp_http'],
};

describe.runIf(collector.shouldRun)('collector build matches its config', () => {
  const otelcolDir = join(repoRoot, 'collector-config/otelcol');
  const configFiles = readdirSync(otelcolDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'builder-config.yaml')
    .map((f) => join(otelcolDir, f));

  it('contains exactly the components the config files use (ocb manifest)', () => {
    const { status, output } = run(collector.require(), ['components']);
    expect(status, output).toBe(0);
    const built = parse(output) as Record<string, { name: string }[] | undefined>;
    const used = usedComponents(configFiles);
    for (const [kind, names] of Object.entries(BUILT_FOR_OTHER_USES)) for (const name of names) used[kind].add(name);
    for (const kind of Object.keys(used)) {
      const inBinary = new Set((built[kind] ?? []).map((c) => String(c.name)));
      expect([...inBinary].sort(), `${kind} in the binary`).toEqual([...used[kind]].sort());
    }
  });

  it.each(['off', 'tail'])('validates the config with OTELCOL_SAMPLING=%s', async (mode) => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-companion-validate-'));
    try {
      const plan = await planNativeStack({ runDir: dir, env: { OTELCOL_SAMPLING: mode } });
      const svc = plan.services.find((s) => s.name === 'collector')!;
      expect(svc.args.some((a) => a.endsWith(`sampling-${mode}.yaml`))).toBe(true);
      const { status, output } = run(collector.require(), ['validate', ...svc.args]);
      expect(status, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes span metrics before sampling in both modes', async () => {
    for (const mode of ['off', 'tail']) {
      const files = [join(otelcolDir, 'pipelines.yaml'), join(otelcolDir, `sampling-${mode}.yaml`)];
      const pipelines: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }> = {};
      for (const file of files) {
        const doc = parse(readFileSync(file, 'utf8')) as { service?: { pipelines?: typeof pipelines } } | null;
        for (const [name, p] of Object.entries(doc?.service?.pipelines ?? {})) pipelines[name] = { ...pipelines[name], ...p };
      }
      const feeding = Object.entries(pipelines).filter(([, p]) => p.exporters?.includes('span_metrics'));
      expect(feeding.length, mode).toBe(1);
      expect(feeding[0][1].processors ?? [], mode).not.toContain('tail_sampling');
      for (const [name, p] of Object.entries(pipelines)) {
        if (!name.startsWith('traces')) continue;
        expect(p.processors?.[0], `${mode}: ${name} starts with memory_limiter`).toBe('memory_limiter');
        expect(p.processors?.at(-1), `${mode}: ${name} ends with batch`).toBe('batch');
      }
    }
  });
});

/**
 * Applies recorded rewrites to one line in a single left-to-right pass (longest
 * `from` first at each position, never re-rewriting output), each only as a
 * whole token: not inside a longer name, path segment or number.
 */
function rewrite(line: string, rewrites: { from: string; to: string }[]): string {
  if (rewrites.length === 0) return line;
  const byFrom = new Map(rewrites.map((r) => [r.from, r.to]));
  const alternatives = [...byFrom.keys()].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(?<![\\w.-])(?:${alternatives.join('|')})(?![\\w-]|\\.\\w)`, 'g');
  return line.replace(re, (match) => byFrom.get(match)!);
}

function listFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => listFiles(join(path, entry)));
}
