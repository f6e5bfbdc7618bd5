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
  nativeServiceNames,
  planNativeStack,
  PROFILES,
  readCompose,
  repoRoot,
  stackBinDir,
  type NativePlan,
  type Profile,
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
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  environment?: Record<string, string | null>;
}
interface NormalizedProject {
  services: Record<string, NormalizedService>;
  volumes: Record<string, unknown>;
}

function loadNormalized(env: Record<string, string | undefined>, profile?: string): { status: number | null; output: string } {
  const args = [...(profile ? ['--profile', profile] : []), composeFile];
  const result = spawnSync(composeCheck.require(), args, { encoding: 'utf8', env: env as NodeJS.ProcessEnv });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
const testEnv = { ...baseEnv, GRAFANA_ADMIN_PASSWORD: 'test-only-password' };

/** Every service of a profile, as `docker compose [--profile p] config` lists them. */
const PROFILE_SERVICES: Record<Profile, string[]> = {
  single: ['alert-webhook', 'alertmanager', 'bridge', 'collector', 'demo-app', 'grafana', 'jaeger', 'postgres', 'prometheus', 'victorialogs', 'volume-init'],
  scale: [
    'alert-webhook', 'alertmanager-1', 'alertmanager-2', 'bridge', 'cassandra-1', 'cassandra-2', 'demo-app', 'gateway-1', 'gateway-2',
    'grafana-scale', 'jaeger-1', 'jaeger-2', 'otel-agent', 'postgres', 'prometheus-scale', 'thanos-query', 'thanos-receive-1',
    'thanos-receive-2', 'victorialogs-1', 'victorialogs-2', 'victorialogs-front', 'volume-init-scale',
  ],
};

/** Where each stateful service keeps its data: a named volume, so it survives docker compose down / up. */
const DATA_PATHS: Record<Profile, Record<string, string>> = {
  single: {
    collector: '/var/lib/otelcol',
    jaeger: '/var/lib/jaeger',
    prometheus: '/prometheus',
    alertmanager: '/alertmanager',
    grafana: '/var/lib/grafana',
    postgres: '/var/lib/postgresql/data',
    victorialogs: '/victoria-logs-data',
  },
  scale: {
    'otel-agent': '/var/lib/otelcol',
    'gateway-1': '/var/lib/otelcol',
    'gateway-2': '/var/lib/otelcol',
    'cassandra-1': '/var/lib/cassandra',
    'cassandra-2': '/var/lib/cassandra',
    'thanos-receive-1': '/var/thanos/receive',
    'thanos-receive-2': '/var/thanos/receive',
    'prometheus-scale': '/prometheus',
    'alertmanager-1': '/alertmanager',
    'alertmanager-2': '/alertmanager',
    'grafana-scale': '/var/lib/grafana',
    postgres: '/var/lib/postgresql/data',
    'victorialogs-1': '/victoria-logs-data',
    'victorialogs-2': '/victoria-logs-data',
  },
};

describe.runIf(composeCheck.shouldRun)('docker-compose.yml, loaded by compose-go (as `docker compose config`)', () => {
  const projects = {} as Record<Profile, NormalizedProject>;

  beforeAll(() => {
    // No --profile: .env's COMPOSE_PROFILES, as `docker compose up` reads it.
    for (const [profile, flag] of [['single', undefined], ['scale', 'scale']] as const) {
      const { status, output } = loadNormalized(testEnv, flag);
      expect(status, output).toBe(0);
      projects[profile] = JSON.parse(output) as NormalizedProject;
    }
  });

  it.each(PROFILES)('is valid against the compose spec and consistent, profile %s', (profile) => {
    expect(Object.keys(projects[profile].services).sort()).toEqual([...PROFILE_SERVICES[profile]].sort());
  });

  it('runs the single-node profile by default (.env) and the scale profile alone with --profile scale', () => {
    expect(readFileSync(join(repoRoot, '.env'), 'utf8')).toMatch(/^COMPOSE_PROFILES=single$/m);
    const { status, output } = loadNormalized(testEnv, 'single');
    expect(status, output).toBe(0);
    expect(Object.keys((JSON.parse(output) as NormalizedProject).services).sort()).toEqual([...PROFILE_SERVICES.single].sort());
  });

  it('refuses to start without GRAFANA_ADMIN_PASSWORD: there is no admin/admin default', () => {
    for (const [profile, grafana] of [['single', 'grafana'], ['scale', 'grafana-scale']] as const) {
      const { status, output } = loadNormalized(baseEnv, profile);
      expect(status, profile).not.toBe(0);
      expect(output).toMatch(/GRAFANA_ADMIN_PASSWORD/);
      const grafanaEnv = projects[profile].services[grafana].environment ?? {};
      expect(grafanaEnv.GF_SECURITY_ADMIN_PASSWORD).toBe('test-only-password');
      // The raw value is a required variable: no default of any kind (not even admin).
      const raw = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as { services: Record<string, { environment: Record<string, string> }> };
      expect(raw.services[grafana].environment.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}$/);
    }
  });

  it.each(PROFILES)('publishes every host port on 127.0.0.1 only, profile %s', (profile) => {
    const published = Object.entries(projects[profile].services).flatMap(([name, svc]) => (svc.ports ?? []).map((p) => ({ name, ...p })));
    expect(published.length).toBeGreaterThan(5);
    for (const port of published) expect(port.host_ip, `${port.name} publishes ${port.published}`).toBe('127.0.0.1');
  });

  it.each(PROFILES)('pins every pulled image to a version (no latest, no bare name), profile %s', (profile) => {
    for (const [name, svc] of Object.entries(projects[profile].services)) {
      if (svc.build) continue; // built locally from this repository
      const image = svc.image ?? '';
      expect(image, `services.${name}.image`).toMatch(/^[\w./-]+:[\w.-]+(@sha256:[a-f0-9]{64})?$/);
      expect(image, `services.${name}.image`).not.toMatch(/:latest\b/);
    }
  });

  it.each(PROFILES)('gives every long-running service a healthcheck, and every depends_on a condition on one, profile %s', (profile) => {
    const project = projects[profile];
    for (const [name, svc] of Object.entries(project.services)) {
      if (name.startsWith('volume-init')) continue; // one-shot; depended on with service_completed_successfully
      expect(svc.healthcheck?.test?.length, `services.${name}.healthcheck`).toBeGreaterThan(0);
      for (const [dep, { condition, required }] of Object.entries(svc.depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully'], `services.${name}.depends_on.${dep}`).toContain(condition);
        // A dependency of the other profile (the demo app's collector or otel-agent) must be optional.
        if (!project.services[dep]) {
          expect(required, `services.${name}.depends_on.${dep} is not in profile ${profile}: required: false`).toBe(false);
          continue;
        }
        if (condition === 'service_healthy') expect(project.services[dep].healthcheck?.test?.length, `${dep} healthcheck`).toBeGreaterThan(0);
      }
    }
  });

  it.each(PROFILES)('keeps state on named volumes, so data survives docker compose down / up, profile %s', (profile) => {
    const project = projects[profile];
    for (const [name, path] of Object.entries(DATA_PATHS[profile])) {
      const mount = project.services[name].volumes?.find((v) => v.target === path);
      expect(mount?.type, `services.${name} mounts a named volume at ${path}`).toBe('volume');
      expect(project.volumes).toHaveProperty(mount!.source);
    }
  });

  it.each(PROFILES)('mounts only files and folders that exist in the repository, profile %s', (profile) => {
    const binds = Object.entries(projects[profile].services).flatMap(([name, svc]) =>
      (svc.volumes ?? []).filter((v) => v.type === 'bind').map((v) => ({ name, ...v })),
    );
    expect(binds.length).toBeGreaterThan(5);
    for (const bind of binds) {
      expect(existsSync(bind.source), `services.${bind.name}: ${relative(repoRoot, bind.source)} (-> ${bind.target}) exists`).toBe(true);
      expect(relative(repoRoot, bind.source).startsWith('..'), `${bind.source} is inside the repository`).toBe(false);
    }
  });
});

describe.each(PROFILES)('native stack plan mirrors docker-compose.yml, profile %s', (profile) => {
  let plan: NativePlan;
  let runDir: string;
  const compose = readCompose();

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'otel-companion-plan-'));
    plan = await planNativeStack({ profile, runDir, env: { OTELCOL_SAMPLING: 'off' } });
  });
  afterAll(() => rmSync(runDir, { recursive: true, force: true }));

  it('runs every native service of the profile, in depends_on order', () => {
    expect(plan.services.map((s) => s.name).sort()).toEqual(nativeServiceNames(compose, profile).sort());
    expect(plan.services.length).toBeGreaterThanOrEqual(profile === 'scale' ? 14 : 5);
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
      expect(svc.rewrites.every((r) => ['host-port', 'host', 'listen-address', 'path', 'native-variant'].includes(r.kind)), svc.name).toBe(true);
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
        .map((a) => a.replace(/\$\{OTELCOL_SAMPLING:-\w+\}/, 'off'));
      // A command that starts with its program (node, cassandra) runs that program natively.
      const nativeArgs = svc.commandProgram ? [svc.commandProgram, ...svc.args] : svc.args;
      expect(nativeArgs.length, svc.name).toBe(composeArgs.length);
      composeArgs.forEach((arg, i) => {
        const expected = svc.commandProgram && i === 0 ? arg : rewrite(arg, svc.rewrites);
        expect(nativeArgs[i], `${svc.name} argument ${i}`).toBe(expected);
      });
    }
  });

  it('listens on loopback addresses only', () => {
    for (const svc of plan.services) expect(svc.address, svc.name).toMatch(/^127\.0\.0\.\d+$/);
    const urls = Object.values(plan.urls).filter((u): u is string => Boolean(u));
    for (const url of urls) expect(new URL(url).hostname, url).toMatch(/^127\.0\.0\.\d+$/);
  });

  it('probes the same health endpoints as the compose healthchecks', () => {
    for (const svc of plan.services) {
      const test = ([] as string[]).concat(compose.services[svc.name].healthcheck?.test ?? []).join(' ');
      const url = new URL(svc.healthUrl);
      if (url.protocol === 'tcp:') expect(test, svc.name).toMatch(/\bcqlsh\b/);
      else expect(test, svc.name).toContain(url.pathname);
    }
  });

  it('loads every collector config file compose passes, and every one of them exists', () => {
    const collectors = plan.services.filter((s) => s.program.endsWith('otelcol-companion'));
    expect(collectors.length).toBe(profile === 'scale' ? 3 : 1);
    for (const collectorPlan of collectors) {
      const configs = collectorPlan.args.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
      expect(configs.length).toBeGreaterThanOrEqual(7);
      for (const file of configs) expect(existsSync(file), file).toBe(true);
    }
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
  // test/processors/collector-corpus.test.ts reads what the redaction stage lets through from it.
  exporters: ['debug'],
};

interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}

/** The pipelines a list of collector config files defines, merged as the collector merges them. */
function mergedPipelines(files: string[]): Record<string, Pipeline> {
  const pipelines: Record<string, Pipeline> = {};
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as { service?: { pipelines?: Record<string, Pipeline> } } | null;
    for (const [name, p] of Object.entries(doc?.service?.pipelines ?? {})) pipelines[name] = { ...pipelines[name], ...p };
  }
  return pipelines;
}

describe.runIf(collector.shouldRun)('collector build matches its config', () => {
  const otelcolDir = join(repoRoot, 'collector-config/otelcol');
  const configFiles = [otelcolDir, join(otelcolDir, 'scale')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'builder-config.yaml')
      .map((f) => join(dir, f)),
  );

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

  const cases = PROFILES.flatMap((profile) => (['off', 'tail'] as const).map((mode) => [profile, mode] as const));
  it.each(cases)('otelcol validate accepts every collector of profile %s with OTELCOL_SAMPLING=%s', async (profile, mode) => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-companion-validate-'));
    try {
      const plan = await planNativeStack({ profile, runDir: dir, env: { OTELCOL_SAMPLING: mode } });
      const collectors = plan.services.filter((s) => s.program.endsWith('otelcol-companion'));
      expect(collectors.length).toBeGreaterThan(0);
      for (const svc of collectors) {
        const { status, stdout, stderr } = spawnSync(collector.require(), ['validate', ...svc.args], {
          encoding: 'utf8',
          env: { ...process.env, ...svc.env },
        });
        expect(status, `${svc.name}: ${stdout}${stderr}`).toBe(0);
      }
      const sampled = collectors.filter((s) => s.args.some((a) => a.endsWith(`sampling-${mode}.yaml`)));
      expect(sampled.length).toBe(profile === 'scale' ? 2 : 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes span metrics before sampling in both modes (single node)', async () => {
    for (const mode of ['off', 'tail']) {
      const pipelines = mergedPipelines([join(otelcolDir, 'pipelines.yaml'), join(otelcolDir, `sampling-${mode}.yaml`)]);
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

  it('gateways: span metrics before sampling, nothing buffered before the persistent queues but tail sampling', async () => {
    for (const mode of ['off', 'tail']) {
      const files = ['scale/gateway.yaml', `sampling-${mode}.yaml`, `scale/gateway-sampling-${mode}.yaml`].map((f) => join(otelcolDir, f));
      const pipelines = mergedPipelines(files);
      const feeding = Object.entries(pipelines).filter(([, p]) => p.exporters?.includes('span_metrics'));
      expect(feeding.length, mode).toBe(1);
      expect(feeding[0][1].processors ?? [], mode).not.toContain('tail_sampling');
      expect(Object.keys(pipelines).filter((n) => n.startsWith('traces')).length, mode).toBe(mode === 'tail' ? 2 : 1);
      for (const [name, p] of Object.entries(pipelines)) {
        // A batch processor acknowledges data it only holds in memory; the exporters batch after their queue instead.
        expect(p.processors ?? [], `${mode}: ${name}`).not.toContain('batch');
        if (name.startsWith('traces')) expect(p.processors?.slice(0, 2), `${mode}: ${name}`).toEqual(['memory_limiter', 'resource/gateway']);
      }
    }
    // Every network exporter of a gateway has a persistent queue: file_storage or a write-ahead log.
    const exporters = (parse(readFileSync(join(otelcolDir, 'scale/gateway.yaml'), 'utf8'), { merge: true }) as {
      exporters: Record<string, { sending_queue?: { storage?: string }; wal?: { directory?: string } }>;
    }).exporters;
    expect(Object.keys(exporters).length).toBeGreaterThanOrEqual(3);
    for (const [name, config] of Object.entries(exporters)) {
      expect(config.sending_queue?.storage ?? config.wal?.directory, `${name} has a persistent queue`).toBeTruthy();
    }
  });

  it('agent collectors: memory_limiter, redaction, then load balancing (traces and logs by trace id)', () => {
    const doc = parse(readFileSync(join(otelcolDir, 'scale/agent.yaml'), 'utf8'), { merge: true }) as {
      exporters: Record<string, { routing_key: string; sending_queue?: { storage?: string } }>;
      service: { pipelines: Record<string, Pipeline> };
    };
    for (const [name, p] of Object.entries(doc.service.pipelines)) {
      expect(p.processors?.slice(0, 2), name).toEqual(['memory_limiter', name === 'metrics' ? 'redaction/metrics' : 'redaction']);
      expect(p.exporters?.every((e) => e.startsWith('load_balancing/')), name).toBe(true);
    }
    expect(doc.exporters[doc.service.pipelines.traces.exporters![0]].routing_key).toBe('traceID');
    expect(doc.exporters[doc.service.pipelines.logs.exporters![0]].routing_key).toBe('traceID');
    for (const [name, config] of Object.entries(doc.exporters)) expect(config.sending_queue?.storage, name).toBe('file_storage/queue');
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
