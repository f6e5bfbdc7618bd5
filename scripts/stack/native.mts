/**
 * The native stack: the collector, Jaeger, Prometheus and Alertmanager (plus
 * the alert-webhook receiver) from real binaries on loopback, with no Docker,
 * run from docker-compose.yml's own config files and command lines. With
 * `--profile scale` (option `profile: 'scale'`), the compose scale profile:
 * agent and gateway collectors, Jaeger x2 on Cassandra x2, Thanos, the log
 * store cluster, Prometheus and Alertmanager x2 (docs/scale-out.md).
 *
 * How it mirrors compose (docs/stack.md):
 *  - it reads each service's `command`, bind mounts, named volumes, ports and
 *    healthcheck from docker-compose.yml;
 *  - it copies each bind-mounted config file or folder under the run folder,
 *    rewriting only host names, ports and container paths
 *    (`jaeger:4317` -> `127.0.0.1:24317`, `0.0.0.0:9090` -> `127.0.0.1:9090`,
 *    `/etc/otelcol/...` -> `<run>/collector/etc/otelcol/...`); every
 *    substitution is recorded in the plan, so a test can prove nothing else changed;
 *  - it waits for the same health endpoints as the compose healthchecks,
 *    starts services in depends_on order and stops them in reverse.
 *
 * Test mode (what test/stack/e2e.test.ts uses) differs on purpose and only in
 * this: Jaeger's in-memory storage instead of Badger, free ports instead of the
 * compose ports, a fresh run folder, and optional shorter `for:`, evaluation,
 * scrape and Alertmanager grouping intervals (the real ones are proven by
 * promtool and amtool tests).
 *
 *   node scripts/stack/native.mts          # npm run stack:native
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, parseDocument, stringify } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const composeFile = join(repoRoot, 'docker-compose.yml');
export const stackBinDir = join(repoRoot, '.stack/bin');

/** The compose profiles (docker-compose.yml; `.env` makes `single` the default). */
export const PROFILES = ['single', 'scale'] as const;
export type Profile = (typeof PROFILES)[number];

/** A compose service name the native stack runs (e.g. `collector`, `gateway-1`). */
export type NativeService = string;

const PROVISION_HINT =
  'run `bash scripts/stack/provision.sh` (apt prometheus prometheus-alertmanager; collector, Jaeger, Thanos and VictoriaLogs builds; Cassandra jars)';

/**
 * The program behind each image, natively: the image's entrypoint, or `null` when the compose
 * command starts with the program itself (COMMAND_PROGRAMS). A compose service of the active
 * profile whose image is not listed (Grafana, PostgreSQL, the demo app) does not run natively.
 */
const IMAGE_PROGRAMS: { image: RegExp; program: string | null }[] = [
  { image: /^otel\/opentelemetry-collector-contrib:/, program: join(stackBinDir, 'otelcol-companion') },
  { image: /^jaegertracing\/jaeger:/, program: join(stackBinDir, 'jaeger') },
  { image: /^prom\/prometheus:/, program: 'prometheus' },
  { image: /^prom\/alertmanager:/, program: 'prometheus-alertmanager' },
  { image: /^quay\.io\/thanos\/thanos:/, program: join(stackBinDir, 'thanos') },
  { image: /^victoriametrics\/victoria-logs:/, program: join(stackBinDir, 'victoria-logs') },
  { image: /^cassandra:/, program: null },
  { image: /^node:/, program: null },
];

/** Programs a compose command starts with, natively. */
const COMMAND_PROGRAMS: Record<string, string> = {
  node: process.execPath,
  // The image's `cassandra -f -D...`: java with Cassandra's JVM flags and the Maven jars.
  cassandra: join(repoRoot, 'scripts/stack/cassandra.sh'),
};

/**
 * Loopback addresses of services that need one of their own natively; every other service
 * listens on 127.0.0.1. Cassandra nodes: one address per node, as in a real cluster (each node
 * gossips its own address), and their command lines name them by host name
 * (`-Dcassandra.settings.listen_address=cassandra-2`), which natively becomes this address.
 */
const NATIVE_ADDRESSES: Record<string, string> = {
  'cassandra-1': '127.0.0.1',
  'cassandra-2': '127.0.0.2',
};
const addressOf = (service: string) => NATIVE_ADDRESSES[service] ?? '127.0.0.1';

/**
 * Nodes of one cluster listen on the same ports natively, each on its own address, as in a real
 * cluster: a Cassandra driver dials the peers it discovers (system.peers) on one port for all
 * nodes, its `port:` setting. With a port per node, Jaeger's driver replaced the listed nodes by
 * discovered ones on the wrong port whenever its control connection moved, and had no host left.
 */
const CLUSTERS: string[][] = [['cassandra-1', 'cassandra-2']];
const clusterOf = (service: string) => CLUSTERS.find((c) => c.includes(service));

/**
 * Config files that differ natively, by design: swapped in the command line and recorded as a
 * `native-variant` rewrite. The agent collectors find the gateways by DNS in compose; natively
 * there is no DNS for several loopback addresses, so they use the static list.
 */
const NATIVE_VARIANTS: [string, string][] = [['agent-resolver-dns.yaml', 'agent-resolver-static.yaml']];

export interface TimingOverrides {
  /** Replaces every rule's `for:` (e.g. '5s'). */
  ruleFor?: string;
  /** Prometheus global evaluation_interval. */
  evaluationInterval?: string;
  /** Prometheus global scrape_interval. */
  scrapeInterval?: string;
  /** Alertmanager group_wait on every route (e.g. '1s'). */
  groupWait?: string;
  /** Alertmanager group_interval on every route. */
  groupInterval?: string;
}

export interface NativeStackOptions {
  /** The compose profile to run: 'single' (default) or 'scale'. */
  profile?: Profile;
  /** 'compose' (default): the ports compose publishes; 'free': any free loopback ports. */
  ports?: 'compose' | 'free';
  /** Jaeger trace storage: 'badger' as in compose (default) or 'memory'. */
  jaegerStorage?: 'badger' | 'memory';
  /** Where configs, data and logs go. Default .stack/run (kept across runs, like compose volumes). */
  runDir?: string;
  /** Send Alertmanager's webhooks to this base URL (e.g. a test's receiver) instead of starting alert-webhook. */
  alertWebhookUrl?: string;
  /** Shorter intervals for tests; never used by `npm run stack:native`. */
  timing?: TimingOverrides;
  /** Variables for compose interpolation (${VAR:-default}); default process.env. */
  env?: Record<string, string | undefined>;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
  /** Max wait for all health checks. Default 120 s. */
  healthTimeoutMs?: number;
}

/** One substitution made in a copied config file or an argument. */
export interface Rewrite {
  from: string;
  to: string;
  /** `host`: a service's bare host name (NATIVE_ADDRESSES); `native-variant`: NATIVE_VARIANTS. */
  kind: 'host-port' | 'host' | 'listen-address' | 'path' | 'native-variant' | 'timing';
}

export interface MountPlan {
  /** Path in the repository, as compose mounts it. */
  source: string;
  /** Path inside the container. */
  target: string;
  /** The rewritten copy the native process reads. */
  copy: string;
}

export interface ServicePlan {
  name: NativeService;
  /** The compose image (what the program stands in for). */
  image: string;
  program: string;
  /** The first word of the compose command when it names the program (node, cassandra); not in args. */
  commandProgram?: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  mounts: MountPlan[];
  /** Named volume -> host folder. */
  volumes: Record<string, string>;
  /** The loopback address the service listens on natively. */
  address: string;
  /** Container port -> native loopback port. */
  ports: Record<number, number>;
  /** http://... (GET answers 2xx) or tcp://host:port (accepts a connection). */
  healthUrl: string;
  /** compose's restart policy (e.g. unless-stopped): natively, restarts while starting. */
  restart?: string;
  dependsOn: NativeService[];
  /** Every substitution in this service's files and args. */
  rewrites: Rewrite[];
}

export interface NativePlan {
  profile: Profile;
  runDir: string;
  services: ServicePlan[];
  urls: StackUrls;
}

/** Entry points of the running profile (scale: the agent collector, jaeger-1, alertmanager-1, ...). */
export interface StackUrls {
  otlpGrpc: string;
  otlpHttp: string;
  collectorMetrics: string;
  collectorHealth: string;
  jaeger: string;
  /** The Prometheus that evaluates the alert rules. */
  prometheus: string;
  alertmanager: string;
  alertWebhook: string;
  /** The log store's LogsQL API (VictoriaLogs; scaled out, its insert/select node). */
  logs: string;
  /** Scale profile: Thanos Query (PromQL over both receivers). */
  thanosQuery?: string;
}

/** http://<address>:<native port> of a service's container port in a plan. */
export function serviceUrl(plan: NativePlan, service: string, containerPort: number): string {
  const svc = plan.services.find((s) => s.name === service);
  const port = svc?.ports[containerPort];
  if (!svc || !port) throw new Error(`native plan has no ${service}:${containerPort}`);
  return `http://${svc.address}:${port}`;
}

export interface RunningStack {
  urls: StackUrls;
  plan: NativePlan;
  /** Stops every service, in reverse start order. */
  stop(): Promise<void>;
  /** Stops one service (SIGTERM, then SIGKILL after `graceMs`, default 10 s), e.g. to test an outage. */
  stopService(name: NativeService, graceMs?: number): Promise<void>;
  /** Kills one service with SIGKILL (kill -9: no shutdown, no flush) and waits for it to exit. */
  killService(name: NativeService): Promise<void>;
  /** Process ids of the running services. */
  pids(): Record<NativeService, number>;
  /** Starts a stopped service again with the same plan; resolves when healthy. */
  startService(name: NativeService): Promise<void>;
}

// ---------------------------------------------------------------------------
// docker-compose.yml

interface ComposeService {
  image?: string;
  profiles?: string[];
  restart?: string;
  command?: string[] | string;
  environment?: Record<string, string> | string[];
  volumes?: string[];
  ports?: string[];
  expose?: (string | number)[];
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function readCompose(path = composeFile): ComposeFile {
  // merge: the file uses a YAML merge key (<<: *probe) for healthcheck timings.
  const doc = parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
  if (!doc?.services) throw new Error(`${path}: no services`);
  return doc;
}

/**
 * Compose variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?message}, ${VAR?message}, and $$ for a literal $.
 */
export function interpolate(value: string, env: Record<string, string | undefined>, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name, op, arg) => {
    if (match === '$$') return '$';
    const raw = env[name];
    const unsetOrEmpty = raw === undefined || raw === '';
    if (op === ':-') return unsetOrEmpty ? arg : raw;
    if (op === '-') return raw === undefined ? arg : raw;
    if (op === ':?' && unsetOrEmpty) throw new Error(`${where}: ${name} is required: ${arg}`);
    if (op === '?' && raw === undefined) throw new Error(`${where}: ${name} is required: ${arg}`);
    return raw ?? '';
  });
}

interface PortMapping {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
}

/** "127.0.0.1:8080:80", "8080:80", "80" (short syntax; what this repo uses). */
export function parsePort(spec: string, where: string): PortMapping {
  const parts = spec.split('/')[0].split(':');
  const num = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${where}: bad port ${JSON.stringify(spec)}`);
    return n;
  };
  if (parts.length === 3) return { hostIp: parts[0], hostPort: num(parts[1]), containerPort: num(parts[2]) };
  if (parts.length === 2) return { hostPort: num(parts[0]), containerPort: num(parts[1]) };
  if (parts.length === 1) return { containerPort: num(parts[0]) };
  throw new Error(`${where}: bad port ${JSON.stringify(spec)}`);
}

export interface VolumeMount {
  kind: 'bind' | 'named';
  source: string;
  target: string;
  readOnly: boolean;
}

export function parseVolume(spec: string, where: string): VolumeMount {
  const [source, target, mode] = spec.split(':');
  if (!source || !target?.startsWith('/')) throw new Error(`${where}: bad volume ${JSON.stringify(spec)}`);
  const bind = source.startsWith('.') || source.startsWith('/');
  return { kind: bind ? 'bind' : 'named', source, target, readOnly: mode === 'ro' };
}

function asList(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter(Boolean);
}

function dependsOnList(svc: ComposeService): string[] {
  if (!svc.depends_on) return [];
  return Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on);
}

// ---------------------------------------------------------------------------
// Planning: pure, no processes. compose.test.ts checks the plan.

/**
 * Free loopback ports for one plan. Each probe stays bound until the plan is complete, so the
 * kernel cannot hand the same port out twice within a plan (a port is free again as soon as its
 * probe closes). Another process may still take a port between release() and the service's own
 * bind: start() plans again when a service reports the address in use.
 */
export class PortReservations {
  private readonly held: Server[] = [];

  /** A free port on `host` (a loopback address), held until release(). */
  take(host = '127.0.0.1'): Promise<number> {
    return this.bind(host, 0).then((port) => port!);
  }

  /** One port free on every address of `hosts`, held on each until release(). */
  async takeOnAll(hosts: string[]): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await this.take(hosts[0]);
      let all = true;
      for (const host of hosts.slice(1)) if ((await this.bind(host, port)) === undefined) all = false;
      // A port taken on one address only stays held, so the next attempt gets another one.
      if (all) return port;
    }
    throw new Error(`no port free on all of ${hosts.join(', ')} after 50 attempts`);
  }

  /** Binds host:port (0: any); the port, or undefined when it is in use. */
  private bind(host: string, port: number): Promise<number | undefined> {
    return new Promise((resolvePort, reject) => {
      const srv = createServer();
      srv.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' && port !== 0 ? resolvePort(undefined) : reject(err)));
      srv.listen(port, host, () => {
        const address = srv.address();
        this.held.push(srv);
        resolvePort(typeof address === 'object' && address ? address.port : 0);
      });
    });
  }

  async release(): Promise<void> {
    const servers = this.held.splice(0);
    await Promise.all(servers.map((srv) => new Promise<void>((done) => srv.close(() => done()))));
  }
}

/** Ports a service listens on inside its container: published ones plus `expose`. */
function containerPorts(name: string, svc: ComposeService): { port: number; hostPort?: number }[] {
  const published: PortMapping[] = (svc.ports ?? []).map((p) => parsePort(String(p), `services.${name}.ports`));
  const exposed: PortMapping[] = (svc.expose ?? []).map((p) => ({ containerPort: parsePort(String(p), `services.${name}.expose`).containerPort }));
  const seen = new Map<number, number | undefined>();
  for (const p of [...published, ...exposed]) if (!seen.has(p.containerPort)) seen.set(p.containerPort, p.hostPort);
  return [...seen].map(([port, hostPort]) => ({ port, hostPort }));
}

/**
 * Unpublished container ports get this offset natively ("compose" port mode):
 * Jaeger's OTLP 4317 must not collide with the collector's published 4317.
 */
const UNPUBLISHED_PORT_OFFSET = 20000;

/** Restarts of a service that exits before it is healthy, when its compose restart policy allows. */
const STARTUP_RESTARTS = 2;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Applies `rules` to `text`, recording each distinct substitution. */
function applyRewrites(text: string, rules: { re: RegExp; to: string; kind: Rewrite['kind'] }[], log: Rewrite[]): string {
  let out = text;
  for (const rule of rules) {
    // `to` is literal (no $1): lookbehinds keep the context out of the match.
    out = out.replace(rule.re, (match) => {
      if (!log.some((r) => r.from === match && r.to === rule.to)) log.push({ from: match, to: rule.to, kind: rule.kind });
      return rule.to;
    });
  }
  return out;
}

const TEXT_FILE = /\.(ya?ml|json|tmpl|txt|conf|ini)$/i;

function copyTree(source: string, dest: string, transform: (text: string, file: string) => string): void {
  const stat = statSync(source);
  if (stat.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(source)) copyTree(join(source, entry), join(dest, entry), transform);
    return;
  }
  mkdirSync(dirname(dest), { recursive: true });
  if (TEXT_FILE.test(source)) writeFileSync(dest, transform(readFileSync(source, 'utf8'), source));
  else copyFileSync(source, dest);
}

/** Builds the plan and writes the rewritten config copies (no processes started). */
export async function planNativeStack(options: NativeStackOptions = {}): Promise<NativePlan> {
  const reservations = options.ports === 'free' ? new PortReservations() : undefined;
  try {
    return await planWithPorts(options, reservations);
  } finally {
    await reservations?.release();
  }
}

/** The services of `profile` that have a native program (IMAGE_PROGRAMS), in compose order. */
export function nativeServiceNames(compose: ComposeFile = readCompose(), profile: Profile = 'single'): string[] {
  return Object.entries(compose.services)
    .filter(([, svc]) => !svc.profiles || svc.profiles.includes(profile))
    .filter(([, svc]) => IMAGE_PROGRAMS.some((p) => p.image.test(svc.image ?? '')))
    .map(([name]) => name);
}

async function planWithPorts(options: NativeStackOptions, reservations: PortReservations | undefined): Promise<NativePlan> {
  const env = options.env ?? process.env;
  const profile = options.profile ?? 'single';
  if (!PROFILES.includes(profile)) throw new Error(`unknown profile ${JSON.stringify(profile)} (expected ${PROFILES.join(' or ')})`);
  const compose = readCompose();
  const runDir = resolve(options.runDir ?? join(repoRoot, '.stack/run'));
  const startWebhook = !options.alertWebhookUrl;
  const services = nativeServiceNames(compose, profile).filter((s) => startWebhook || s !== 'alert-webhook');
  if (services.length === 0) throw new Error(`${composeFile}: no native service in profile ${profile}`);

  // Native port of every (service, container port). Ports are unique per loopback address.
  const portMap = new Map<string, Map<number, number>>();
  const hostPortOwner = new Map<number, [string, number]>();
  const used = new Set<string>();
  // A cluster's native port per container port, chosen by its first node, free on every node's address.
  const clusterPorts = new Map<string, number>();
  for (const name of services) {
    const map = new Map<number, number>();
    const address = addressOf(name);
    const cluster = clusterOf(name)?.filter((node) => services.includes(node));
    for (const { port, hostPort } of containerPorts(name, compose.services[name])) {
      const clusterKey = cluster && `${cluster.join(',')}:${port}`;
      let native: number;
      if (clusterKey && clusterPorts.has(clusterKey)) native = clusterPorts.get(clusterKey)!;
      else if (reservations) native = cluster ? await reservations.takeOnAll(cluster.map(addressOf)) : await reservations.take(address);
      else if (hostPort) native = hostPort;
      else {
        // Unpublished: +20000, and the next free one when two services expose the same port.
        native = port + UNPUBLISHED_PORT_OFFSET;
        while ((cluster ?? [name]).some((node) => used.has(`${addressOf(node)}:${native}`))) native++;
      }
      if (clusterKey) clusterPorts.set(clusterKey, native);
      if (used.has(`${address}:${native}`)) throw new Error(`native port ${address}:${native} planned twice (services.${name}, container port ${port})`);
      used.add(`${address}:${native}`);
      map.set(port, native);
      if (hostPort) hostPortOwner.set(hostPort, [name, port]);
    }
    portMap.set(name, map);
  }
  let webhookHostPort: string | undefined;
  if (options.alertWebhookUrl) {
    const url = new URL(options.alertWebhookUrl);
    webhookHostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  }

  // Rules shared by every file: other services' host:port, host-side localhost URLs.
  const sharedRules: { re: RegExp; to: string; kind: Rewrite['kind'] }[] = [];
  for (const [name, map] of portMap) {
    for (const [port, native] of map) {
      sharedRules.push({ re: new RegExp(`(?<![\\w.-])${escapeRe(name)}:${port}(?!\\d)`, 'g'), to: `${addressOf(name)}:${native}`, kind: 'host-port' });
    }
  }
  // A client's `port:` for a cluster (Jaeger's Cassandra connection.port): the cluster's native port.
  for (const [key, native] of clusterPorts) {
    const port = key.slice(key.lastIndexOf(':') + 1);
    sharedRules.push({ re: new RegExp(`(?<=^\\s*port:\\s*)${port}(?!\\d)`, 'gm'), to: String(native), kind: 'host-port' });
  }
  for (const [name, address] of Object.entries(NATIVE_ADDRESSES)) {
    if (!portMap.has(name)) continue;
    sharedRules.push({ re: new RegExp(`(?<![\\w./-])${escapeRe(name)}(?![\\w.:/-])`, 'g'), to: address, kind: 'host' });
  }
  if (webhookHostPort) {
    for (const { port } of containerPorts('alert-webhook', compose.services['alert-webhook'] ?? {})) {
      sharedRules.push({ re: new RegExp(`(?<![\\w.-])alert-webhook:${port}(?!\\d)`, 'g'), to: webhookHostPort, kind: 'host-port' });
    }
  }
  for (const [hostPort, [name, port]] of hostPortOwner) {
    const native = portMap.get(name)!.get(port)!;
    sharedRules.push({ re: new RegExp(`(?<![\\w.-])localhost:${hostPort}(?!\\d)`, 'g'), to: `${addressOf(name)}:${native}`, kind: 'host-port' });
  }

  const plans: ServicePlan[] = [];
  for (const name of services) {
    const svc = compose.services[name];
    const where = `services.${name}`;
    const serviceDir = join(runDir, name);
    const ports = portMap.get(name)!;
    const address = addressOf(name);
    const rewrites: Rewrite[] = [];

    // Own listen addresses: 0.0.0.0:P, and `host: 0.0.0.0` / `...port: P` pairs
    // (collector/Jaeger telemetry, Cassandra's storage_port and native_transport_port).
    const ownRules: { re: RegExp; to: string; kind: Rewrite['kind'] }[] = [];
    for (const [port, native] of ports) {
      ownRules.push({ re: new RegExp(`(?<![\\w.])0\\.0\\.0\\.0:${port}(?!\\d)`, 'g'), to: `${address}:${native}`, kind: 'listen-address' });
      ownRules.push({ re: new RegExp(`(?<=\\b(?:[a-z]+_)*port:\\s*)${port}(?!\\d)`, 'g'), to: String(native), kind: 'listen-address' });
    }
    ownRules.push({ re: /(?<=\bhost:\s*)0\.0\.0\.0(?![\d.])/g, to: address, kind: 'listen-address' });

    // Container paths -> host paths: bind mounts become rewritten copies, named volumes folders.
    const mounts: MountPlan[] = [];
    const volumes: Record<string, string> = {};
    const pathRules: { re: RegExp; to: string; kind: Rewrite['kind'] }[] = [];
    const specs = (svc.volumes ?? []).map((v) => parseVolume(String(v), `${where}.volumes`));
    for (const spec of specs) {
      if (spec.kind === 'named') {
        if (!compose.volumes || !(spec.source in compose.volumes)) throw new Error(`${where}.volumes: named volume ${spec.source} is not declared under top-level volumes`);
        volumes[spec.source] = join(runDir, 'volumes', spec.source);
        continue;
      }
      const source = resolve(repoRoot, spec.source);
      if (!existsSync(source)) throw new Error(`${where}.volumes: ${spec.source} does not exist (mounted at ${spec.target})`);
      mounts.push({ source, target: spec.target, copy: join(serviceDir, spec.target) });
    }
    // Longest container path first, so /etc/x/y wins over /etc/x.
    const pathTargets: [string, string][] = [
      ...mounts.map((m): [string, string] => [m.target, m.copy]),
      ...specs.filter((s) => s.kind === 'named').map((s): [string, string] => [s.target, volumes[s.source]]),
    ].sort((a, b) => b[0].length - a[0].length);
    for (const [target, host] of pathTargets) {
      pathRules.push({ re: new RegExp(`(?<![\\w.-])${escapeRe(target)}(?=/|$|[\\s"',\\]])`, 'gm'), to: host, kind: 'path' });
    }

    const rules = [...sharedRules, ...ownRules, ...pathRules];
    for (const mount of mounts) copyTree(mount.source, mount.copy, (text) => applyRewrites(text, rules, rewrites));
    for (const dir of Object.values(volumes)) mkdirSync(dir, { recursive: true });

    // Command line.
    let command = asList(svc.command).map((arg) => interpolate(arg, env, `${where}.command`));
    if (/^jaegertracing\/jaeger:/.test(svc.image ?? '') && options.jaegerStorage === 'memory') {
      const badger = command.findIndex((a) => a.endsWith('/storage-badger.yaml'));
      if (badger < 0 && profile === 'single') throw new Error(`${where}.command: no storage-badger.yaml to swap for storage-memory.yaml`);
      if (badger >= 0) command[badger] = command[badger].replace(/storage-badger\.yaml$/, 'storage-memory.yaml');
    }
    const variantRules = NATIVE_VARIANTS.map(([from, to]) => ({ re: new RegExp(`(?<=/)${escapeRe(from)}$`), to, kind: 'native-variant' as const }));
    command = command.map((arg) => applyRewrites(applyRewrites(arg, rules, rewrites), variantRules, rewrites));
    const imageProgram = IMAGE_PROGRAMS.find((p) => p.image.test(svc.image ?? ''))!.program;
    let program: string;
    let commandProgram: string | undefined;
    if (imageProgram === null) {
      commandProgram = command.shift();
      if (!commandProgram || !COMMAND_PROGRAMS[commandProgram]) {
        throw new Error(`${where}.command: starts with ${JSON.stringify(commandProgram)}, which has no native program (known: ${Object.keys(COMMAND_PROGRAMS).join(', ')})`);
      }
      program = COMMAND_PROGRAMS[commandProgram];
    } else {
      program = imageProgram;
    }

    const envList = svc.environment ?? {};
    const serviceEnv: Record<string, string> = {};
    const entries = Array.isArray(envList) ? envList.map((e) => e.split(/=(.*)/s, 2) as [string, string]) : Object.entries(envList);
    for (const [key, value] of entries) serviceEnv[key] = applyRewrites(interpolate(String(value ?? ''), env, `${where}.environment.${key}`), rules, rewrites);

    plans.push({
      name,
      image: svc.image ?? '',
      program,
      commandProgram,
      args: command,
      cwd: serviceDir,
      env: serviceEnv,
      mounts,
      volumes,
      address,
      ports: Object.fromEntries(ports),
      healthUrl: nativeHealthUrl(name, svc, ports, portMap),
      restart: svc.restart,
      dependsOn: dependsOnList(svc).filter((d) => services.includes(d)),
      rewrites,
    });
  }

  if (options.timing) applyTimingOverrides(plans, options.timing);

  const url = (svc: string, p: number) => {
    const native = portMap.get(svc)?.get(p);
    if (!native) throw new Error(`docker-compose.yml: ${svc} has no port ${p} in profile ${profile}`);
    return `http://${addressOf(svc)}:${native}`;
  };
  // The profile's entry points: where apps send, and the first of each pair.
  const entry = profile === 'scale'
    ? { collector: 'otel-agent', jaeger: 'jaeger-1', prometheus: 'prometheus-scale', alertmanager: 'alertmanager-1', logs: 'victorialogs-front' }
    : { collector: 'collector', jaeger: 'jaeger', prometheus: 'prometheus', alertmanager: 'alertmanager', logs: 'victorialogs' };
  const urls: StackUrls = {
    otlpGrpc: url(entry.collector, 4317),
    otlpHttp: url(entry.collector, 4318),
    collectorMetrics: `${url(entry.collector, 8888)}/metrics`,
    collectorHealth: `${url(entry.collector, 13133)}/`,
    jaeger: url(entry.jaeger, 16686),
    prometheus: url(entry.prometheus, 9090),
    alertmanager: url(entry.alertmanager, 9093),
    alertWebhook: options.alertWebhookUrl ?? url('alert-webhook', 9095),
    logs: url(entry.logs, 9428),
    ...(profile === 'scale' ? { thanosQuery: url('thanos-query', 10902) } : {}),
  };
  return { profile, runDir, services: topoSort(plans), urls };
}

/**
 * The compose healthcheck, natively: its http://127.0.0.1:<port>/... URL on the native port, or
 * for `cqlsh <host> <port>` (Cassandra) a TCP connect to that host's native address and port.
 */
function nativeHealthUrl(name: string, svc: ComposeService, ports: Map<number, number>, portMap: Map<string, Map<number, number>>): string {
  const where = `services.${name}.healthcheck`;
  const test = asList(svc.healthcheck?.test).join(' ');
  const http = /http:\/\/(?:127\.0\.0\.1|localhost):(\d+)(\/[^\s'")]*)?/.exec(test);
  if (http) {
    const port = ports.get(Number(http[1]));
    if (!port) throw new Error(`${where}: port ${http[1]} is neither published nor in expose`);
    return `http://${addressOf(name)}:${port}${http[2] ?? '/'}`;
  }
  const cql = /\bcqlsh\s+([\w.-]+)\s+(\d+)\b/.exec(test);
  if (cql) {
    const port = portMap.get(cql[1])?.get(Number(cql[2]));
    if (!port) throw new Error(`${where}: cqlsh target ${cql[1]}:${cql[2]} is not a native service port`);
    return `tcp://${addressOf(cql[1])}:${port}`;
  }
  throw new Error(`${where}: no http://127.0.0.1:<port>/... URL or cqlsh <host> <port> to probe natively`);
}

/** Test-only: shorter `for:`, evaluation/scrape intervals and Alertmanager grouping, in the copies. */
function applyTimingOverrides(plans: ServicePlan[], timing: TimingOverrides): void {
  for (const prometheus of plans.filter((p) => p.program === 'prometheus')) {
    const configArg = prometheus.args.find((a) => a.startsWith('--config.file='));
    if (configArg) overridePrometheusTiming(prometheus, configArg, timing);
  }
  for (const alertmanager of plans.filter((p) => p.program === 'prometheus-alertmanager')) {
    const amArg = alertmanager.args.find((a) => a.startsWith('--config.file='));
    if (amArg) overrideAlertmanagerTiming(alertmanager, amArg, timing);
  }
}

function overridePrometheusTiming(prometheus: ServicePlan, configArg: string, timing: TimingOverrides): void {
  {
    const configPath = configArg.slice('--config.file='.length);
    const doc = parseDocument(readFileSync(configPath, 'utf8'));
    if (timing.evaluationInterval) doc.setIn(['global', 'evaluation_interval'], timing.evaluationInterval);
    if (timing.scrapeInterval) doc.setIn(['global', 'scrape_interval'], timing.scrapeInterval);
    writeFileSync(configPath, doc.toString());
    if (timing.ruleFor) {
      const config = doc.toJS() as { rule_files?: string[] };
      for (const pattern of config.rule_files ?? []) {
        const dir = join(dirname(configPath), dirname(pattern));
        const re = new RegExp(`^${escapeRe(pattern.split('/').pop()!).replace(/\\\*/g, '.*')}$`);
        for (const file of readdirSync(dir).filter((f) => re.test(f))) {
          const path = join(dir, file);
          const rules = parse(readFileSync(path, 'utf8')) as { groups?: { rules?: { for?: string; keep_firing_for?: string }[] }[] };
          for (const group of rules.groups ?? []) for (const rule of group.rules ?? []) {
            if (rule.for !== undefined) {
              prometheus.rewrites.push({ from: `for: ${rule.for}`, to: `for: ${timing.ruleFor}`, kind: 'timing' });
              rule.for = timing.ruleFor;
            }
          }
          writeFileSync(path, stringify(rules));
        }
      }
    }
  }
}

function overrideAlertmanagerTiming(alertmanager: ServicePlan, amArg: string, timing: TimingOverrides): void {
  if (timing.groupWait || timing.groupInterval) {
    const path = amArg.slice('--config.file='.length);
    const config = parse(readFileSync(path, 'utf8')) as { route?: Route };
    const visit = (route: Route | undefined) => {
      if (!route) return;
      if (timing.groupWait) route.group_wait = timing.groupWait;
      if (timing.groupInterval) route.group_interval = timing.groupInterval;
      for (const child of route.routes ?? []) visit(child);
    };
    visit(config.route);
    writeFileSync(path, stringify(config));
    alertmanager.rewrites.push({ from: 'group_wait/group_interval', to: `${timing.groupWait ?? '-'}/${timing.groupInterval ?? '-'}`, kind: 'timing' });
  }
}

interface Route {
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}

function topoSort(plans: ServicePlan[]): ServicePlan[] {
  const byName = new Map(plans.map((p) => [p.name, p]));
  const out: ServicePlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plan: ServicePlan, path: string[]) => {
    if (state.get(plan.name) === 'done') return;
    if (state.get(plan.name) === 'visiting') throw new Error(`docker-compose.yml: depends_on cycle ${[...path, plan.name].join(' -> ')}`);
    state.set(plan.name, 'visiting');
    for (const dep of plan.dependsOn) {
      const depPlan = byName.get(dep);
      if (depPlan) visit(depPlan, [...path, plan.name]);
    }
    state.set(plan.name, 'done');
    out.push(plan);
  };
  for (const plan of plans) visit(plan, []);
  return out;
}

// ---------------------------------------------------------------------------
// Running

function resolveProgram(program: string): string {
  if (program.includes('/')) {
    if (!existsSync(program)) throw new Error(`${relative(repoRoot, program)} is missing: ${PROVISION_HINT}`);
    return program;
  }
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${program} is not on PATH: ${PROVISION_HINT}`);
  return found;
}

async function waitHealthy(url: string, child: ChildProcess, name: string, logFile: string, deadline: number): Promise<void> {
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was healthy; log: ${logFile}\n${tail(logFile)}`);
    }
    try {
      const problem = await probe(url);
      if (problem === undefined) {
        // Still alive a moment later: the answer came from this process, not
        // from another one that holds the port while ours failed to bind it.
        await new Promise((r) => setTimeout(r, 300));
        if (child.exitCode === null && child.signalCode === null) return;
        continue;
      }
      lastError = problem;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not healthy at ${url} in time (${lastError}); log: ${logFile}\n${tail(logFile)}`);
}

/** One health probe: undefined when healthy, else what was wrong. Throws on connection errors. */
async function probe(url: string): Promise<string | undefined> {
  if (url.startsWith('tcp://')) {
    const { hostname, port } = new URL(url);
    await new Promise<void>((done, fail) => {
      const socket = connect({ host: hostname, port: Number(port), timeout: 2000 });
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      socket.once('timeout', () => {
        socket.destroy();
        fail(new Error('connect timeout'));
      });
      socket.once('error', fail);
    });
    return undefined;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok ? undefined : `HTTP ${res.status}`;
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Starts the stack; resolves once every service passes its health check. */
export async function start(options: NativeStackOptions = {}): Promise<RunningStack> {
  // With free ports, another process can take a port between the moment it
  // was found free and the moment a service binds it (parallel test files do).
  // Then plan again with other ports, a bounded number of times.
  const attempts = options.ports === 'free' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= attempts || !/address already in use/i.test((err as Error).message)) throw err;
      options.log?.(`a planned port was taken meanwhile; planning again (attempt ${attempt + 1} of ${attempts})`);
    }
  }
}

async function startOnce(options: NativeStackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const plan = await planNativeStack(options);
  const logDir = join(plan.runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const programs = new Map(plan.services.map((s) => [s.name, resolveProgram(s.program)]));
  const healthTimeoutMs = options.healthTimeoutMs ?? 120_000;

  const running = new Map<NativeService, ChildProcess>();
  // Last resort if this process dies without stop() (a crash, a killed test
  // worker): take the services down with it instead of leaving them orphaned.
  const killAll = () => {
    for (const child of running.values()) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const launch = async (svc: ServicePlan, deadline: number) => {
    const logFile = join(logDir, `${svc.name}.log`);
    mkdirSync(svc.cwd, { recursive: true });
    // compose restarts a service that exits (restart: unless-stopped): so does the native stack
    // while the service is starting, a bounded number of times (e.g. Jaeger giving up on a
    // Cassandra cluster that is still agreeing on its schema).
    const attempts = svc.restart && svc.restart !== 'no' ? STARTUP_RESTARTS + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const fd = openSync(logFile, 'a');
      const child = spawn(programs.get(svc.name)!, svc.args, {
        cwd: svc.cwd,
        env: { ...process.env, ...svc.env },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      running.set(svc.name, child);
      log(`started ${svc.name} (pid ${child.pid}); waiting for ${svc.healthUrl}`);
      try {
        await waitHealthy(svc.healthUrl, child, svc.name, logFile, deadline);
        log(`${svc.name} healthy`);
        return;
      } catch (err) {
        const exited = child.exitCode !== null || child.signalCode !== null;
        if (!exited || attempt >= attempts || /address already in use/i.test((err as Error).message)) throw err;
        log(`${svc.name} exited while starting (${child.exitCode ?? child.signalCode}); restarting it (restart: ${svc.restart}, attempt ${attempt + 1} of ${attempts})`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  const halt = async (name: NativeService, graceMs?: number) => {
    const child = running.get(name);
    if (!child) return;
    await stopChild(child, graceMs);
    running.delete(name);
    log(`stopped ${name}`);
  };
  const stop = async () => {
    for (const svc of [...plan.services].reverse()) await halt(svc.name);
    process.removeListener('exit', killAll);
  };
  const service = (name: NativeService) => {
    const svc = plan.services.find((s) => s.name === name);
    if (!svc) throw new Error(`no native service ${name} (have ${plan.services.map((s) => s.name).join(', ')})`);
    return svc;
  };

  try {
    // Each service starts as soon as the services it depends on are healthy
    // (compose's depends_on: service_healthy), independent ones side by side.
    const deadline = Date.now() + healthTimeoutMs;
    const launched = new Map<string, Promise<void>>();
    for (const svc of plan.services) {
      const deps = svc.dependsOn.map((d) => launched.get(d)!);
      launched.set(svc.name, Promise.all(deps).then(() => launch(svc, deadline)));
    }
    const results = await Promise.allSettled(launched.values());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: plan.urls,
    plan,
    stop,
    stopService: async (name, graceMs) => halt(service(name).name, graceMs),
    killService: async (name) => {
      const child = running.get(service(name).name);
      if (!child) throw new Error(`${name} is not running`);
      await new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      });
      running.delete(name);
      log(`killed ${name} (SIGKILL)`);
    },
    pids: () => Object.fromEntries([...running].map(([name, child]) => [name, child.pid!])),
    startService: async (name) => {
      if (running.has(name)) throw new Error(`${name} is already running`);
      await launch(service(name), Date.now() + healthTimeoutMs);
    },
  };
}

/** A fresh run folder under .stack/ for a test run, removed by the caller. */
export function makeTestRunDir(): string {
  mkdirSync(join(repoRoot, '.stack'), { recursive: true });
  return mkdtempSync(join(repoRoot, '.stack/run-test-'));
}

export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// CLI: npm run stack:native

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { profile: { type: 'string', default: 'single' } } });
  const profile = values.profile as Profile;
  if (!PROFILES.includes(profile)) throw new Error(`--profile ${values.profile}: expected ${PROFILES.join(' or ')}`);
  const stack = await start({ profile, healthTimeoutMs: profile === 'scale' ? 300_000 : undefined, log: (line) => console.log(`[stack] ${line}`) });
  const u = stack.urls;
  console.log(
    [
      '',
      `Native stack (${stack.plan.profile} profile) is up (same configs as docker-compose.yml; Ctrl-C stops it):`,
      `  OTLP              ${u.otlpGrpc} (gRPC)  ${u.otlpHttp} (HTTP)`,
      `  Jaeger UI/API     ${u.jaeger}   (API only: the Go-module build has no UI assets)`,
      `  Prometheus        ${u.prometheus}`,
      `  Alertmanager      ${u.alertmanager}`,
      `  Alert webhook     ${u.alertWebhook}/alerts`,
      `  Collector metrics ${u.collectorMetrics}`,
      ...(u.thanosQuery ? [`  Thanos Query      ${u.thanosQuery}`] : []),
      `  Logs (LogsQL)     ${u.logs}/select/logsql/query?query=trace_id:...`,
      `  Configs, data and logs: ${relative(process.cwd(), stack.plan.runDir) || '.'}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[stack] ${signal}: stopping`);
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(`[stack] ${(err as Error).message}`);
    process.exit(1);
  });
}
