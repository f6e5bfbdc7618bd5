import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver';
import { getPgUrl } from '../helpers/postgres';
import { NODE, REPO_ROOT, runApp, type RunAppOptions } from '../helpers/run-app';

/**
 * The package as a user gets it: `npm pack` (its prepack builds from clean), then, in an empty app
 * folder, `npm install ./otel-companion-x.y.z.tgz express pg`, then an Express + pg app run there
 * under `--require` and under `--import`, its spans checked at an OTLP receiver.
 *
 * The install is offline (`--offline`, from the npm cache that `npm ci` filled). `npm ci` caches
 * tarballs but not the registry's package documents, so the app folder starts with a copy of the
 * project's package-lock.json: npm takes every version from it (the versions the project is tested
 * with) and needs nothing from the registry. Its entries that the app does not use are pruned.
 */
const SOURCES = ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'agent', 'converters', 'collector-config', 'scripts/generate-version.mjs'];
const STALE = 'dist/agent/left-over-from-an-old-build.js';

/** npm as a user's shell runs it: without the npm_* variables `npm test` passes to its children. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const run = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${run.status}) in ${cwd}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe('the packed tarball, installed offline into an empty app folder', () => {
  let scratch: string;
  let appDir: string;
  let tarball: string;
  let contents: string[];
  let receiver: OtlpReceiver;
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    name: string; version: string; main: string; types: string; bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>; peerDependencies: Record<string, string>;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'otel-companion-pack-'));
    // A copy of the package's sources with a file left in dist/ by an older build: prepack must
    // build from clean, so that file must not reach the tarball.
    const source = join(scratch, 'source');
    for (const entry of SOURCES) cpSync(join(REPO_ROOT, entry), join(source, entry), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    mkdirSync(join(source, 'dist/agent'), { recursive: true });
    writeFileSync(join(source, STALE), 'module.exports = "stale";\n');
    npm(['pack', '--pack-destination', scratch], source);
    const file = `${manifest.name}-${manifest.version}.tgz`;
    contents = execFileSync('tar', ['-tzf', join(scratch, file)], { encoding: 'utf8' }).trim().split('\n').map((p) => p.replace(/^package\//, ''));

    appDir = join(scratch, 'app');
    mkdirSync(appDir);
    tarball = join(appDir, file);
    cpSync(join(scratch, file), tarball);
    writeFileSync(join(appDir, 'package.json'), JSON.stringify({ name: 'pack-smoke-app', version: '1.0.0', private: true }, null, 2));
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    lock.packages[''] = { name: 'pack-smoke-app', version: '1.0.0' };
    writeFileSync(join(appDir, 'package-lock.json'), JSON.stringify({ ...lock, name: 'pack-smoke-app', version: '1.0.0' }, null, 2));
    npm(['install', `./${file}`, 'express', 'pg', '--offline', '--no-audit', '--no-fund'], appDir);
    for (const app of ['app.cjs', 'app.mjs']) cpSync(join(__dirname, 'fixtures', app), join(appDir, app));
    receiver = await startOtlpReceiver();
  }, 300_000);

  afterAll(async () => {
    await receiver?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('holds the built code, the configs, the schema, README and LICENSE', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'converters/scheme.schema.json', 'collector-config/otelcol/pipelines.yaml',
      'collector-config/prometheus/rules/http.yml', 'collector-config/grafana/dashboards/service-overview.json']) {
      expect(contents, file).toContain(file);
    }
    // Every entry point package.json names is in the tarball.
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin), ...Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))];
    for (const target of targets.filter((t) => !t.includes('*'))) expect(contents, target).toContain(target.replace(/^\.\//, ''));
  });

  it('ships no test fixtures, generator sources, TypeScript sources, source maps or stale build output', () => {
    const unwanted = contents.filter((p) =>
      /(^|\/)(tests?|fixtures)\//.test(p) || /-src\//.test(p) || /tsconfig[^/]*\.json$/.test(p) || /(?<!\.d)\.ts$/.test(p) || p.endsWith('.map') || p.endsWith('/.lint'));
    expect(unwanted).toEqual([]);
    expect(contents).not.toContain(STALE);
    expect(contents.filter((p) => p.startsWith('dist/')).length).toBeGreaterThan(50);
  });

  it('shares the app\'s one copy of @opentelemetry/api (a peer dependency)', () => {
    expect(manifest.peerDependencies['@opentelemetry/api']).toBeDefined();
    const copies = execFileSync('find', [join(appDir, 'node_modules'), '-path', '*/@opentelemetry/api/package.json'], { encoding: 'utf8' }).trim().split('\n');
    expect(copies).toEqual([join(appDir, 'node_modules/@opentelemetry/api/package.json')]);
  });

  it('resolves the collector configs, the scheme schema and the converters from the installed package', () => {
    const resolve = (spec: string) => execFileSync(NODE, ['-p', `require.resolve(${JSON.stringify(spec)})`], { cwd: appDir, encoding: 'utf8' }).trim();
    expect(resolve('otel-companion/collector-config/otelcol/pipelines.yaml')).toBe(join(appDir, 'node_modules/otel-companion/collector-config/otelcol/pipelines.yaml'));
    expect(resolve('otel-companion/scheme.schema.json')).toBe(join(appDir, 'node_modules/otel-companion/converters/scheme.schema.json'));
    const schema = JSON.parse(execFileSync(NODE, ['-p', 'JSON.stringify(require("otel-companion/scheme.schema.json"))'], { cwd: appDir, encoding: 'utf8' })) as { $schema?: string };
    expect(schema.$schema).toBeDefined();
    const converters = execFileSync(NODE, ['-p', 'Object.keys(require("otel-companion/converters")).includes("otlpToScheme")'], { cwd: appDir, encoding: 'utf8' }).trim();
    expect(converters).toBe('true');
    const help = spawnSync(NODE, [join(appDir, 'node_modules/.bin/otel-companion'), '--help'], { cwd: appDir, encoding: 'utf8' });
    expect(`${help.stdout}${help.stderr}`).toMatch(/convert/);
  });

  const cases: Array<[string, RunAppOptions['preload'], string]> = [['--require', 'require', 'app.cjs'], ['--import', 'import', 'app.mjs']];
  it.each(cases)('an Express + pg app under %s otel-companion/register sends its spans', async (_flag, preload, script) => {
    const service = `pack-smoke-${preload}`;
    const app = await runApp(join(appDir, script), {
      cwd: appDir,
      preload,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: service, TEST_PG_URL: getPgUrl(), OTEL_METRICS_EXPORTER: 'none' },
    });
    try {
      const res = await fetch(`${app.baseUrl}/items/7`);
      expect(await res.json()).toEqual({ id: 7 });
    } finally {
      await app.stop(); // the agent's shutdown flushes every span
    }
    const spans = receiver.spans().filter((s) => s.resource['service.name'] === service);
    const server = spans.find((s) => s.kind === 2);
    expect(server?.attributes['http.route'], JSON.stringify(spans.map((s) => s.name))).toBe('/items/:id');
    const custom = spans.find((s) => s.name === 'load item');
    expect(custom?.parentSpanId).toBeDefined();
    expect(spans.some((s) => s.attributes['db.system.name'] === 'postgresql' && s.traceId === server!.traceId)).toBe(true);
    expect(app.stderr()).not.toMatch(/error/i);
  });
});

describe('the offline install really is offline', () => {
  it('npm refuses a package it has no cached metadata for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-companion-offline-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"name":"offline-probe","version":"1.0.0","private":true}');
      expect(() => npm(['install', 'otel-companion-no-such-package-anywhere', '--offline', '--no-audit', '--no-fund'], dir)).toThrow(/ENOTCACHED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
