import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRules } from '../../collector-config/queries';
import { requireBinary, run } from './binaries';

const prometheusDir = join(__dirname, '../../collector-config/prometheus');
const promtool = requireBinary('promtool', 'apt-get install prometheus (Debian package; promtool ships with it)');

const ruleFiles = readdirSync(join(prometheusDir, 'rules')).filter((f) => f.endsWith('.yml')).sort();
const testFiles = readdirSync(join(prometheusDir, 'tests')).filter((f) => f.endsWith('.test.yml')).sort();

interface PromtoolTestFile {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] }[] }[];
}
const promtoolTests = testFiles.map((file) => ({
  file,
  doc: parse(readFileSync(join(prometheusDir, 'tests', file), 'utf8')) as PromtoolTestFile,
}));

describe.runIf(promtool.shouldRun)('Prometheus config and rules, checked by promtool', () => {
  it.each(['prometheus.yml', 'prometheus-scale.yml'])('promtool check config accepts %s and loads every rule file', (config) => {
    const { status, output } = run(promtool.require(), ['check', 'config', config], { cwd: prometheusDir });
    expect(status, output).toBe(0);
    for (const file of ruleFiles) expect(output).toContain(`rules/${file}`);
  });

  it('both profiles evaluate the same rule files', () => {
    const ruleFilesOf = (config: string) => (parse(readFileSync(join(prometheusDir, config), 'utf8')) as { rule_files: string[] }).rule_files;
    expect(ruleFilesOf('prometheus-scale.yml')).toEqual(ruleFilesOf('prometheus.yml'));
  });

  it('promtool check rules accepts every rule file', () => {
    const { status, output } = run(promtool.require(), ['check', 'rules', ...ruleFiles.map((f) => `rules/${f}`)], {
      cwd: prometheusDir,
    });
    expect(status, output).toBe(0);
    expect(output).not.toMatch(/FAILED/);
  });

  it('promtool test rules passes for every test file', () => {
    const { status, output } = run(promtool.require(), ['test', 'rules', ...testFiles.map((f) => `tests/${f}`)], {
      cwd: prometheusDir,
    });
    expect(status, output).toBe(0);
    expect(output.match(/SUCCESS/g)?.length, output).toBe(testFiles.length);
  });

  // The unit tests above must be able to fail: loosen one threshold in a copy
  // and promtool must notice.
  const scratch = mkdtempSync(join(tmpdir(), 'otel-companion-promtool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  it('promtool test rules fails when a threshold is changed (the tests can fail)', () => {
    cpSync(prometheusDir, scratch, { recursive: true });
    const httpRules = join(scratch, 'rules/http.yml');
    const original = readFileSync(httpRules, 'utf8');
    const mutated = original.replace('> 0.05', '> 0.5');
    expect(mutated).not.toBe(original);
    writeFileSync(httpRules, mutated);
    const { status, output } = run(promtool.require(), ['test', 'rules', 'tests/http.test.yml'], { cwd: scratch });
    expect(status, output).not.toBe(0);
    expect(output).toContain('HighErrorRate');
  });
});

// docker-compose runs Prometheus 3, the native stack Debian's 2.x: range
// windows are left-open in 3.x, so the unit tests run on both. promtool 3 is
// built from Go modules by scripts/stack/build-promtool-v3.sh (.ci/run calls it):
// missing on a dev machine, a loud skip; missing on CI (any truthy CI), a failure.
const promtoolV3Binary = requireBinary('promtool-v3', 'bash scripts/stack/build-promtool-v3.sh', [join(__dirname, '../../.stack/bin/promtool-v3')]);
describe.runIf(promtoolV3Binary.shouldRun)('rule unit tests under Prometheus 3 (promtool-v3)', () => {
  it('promtool test rules passes for every test file', () => {
    const { status, output } = run(promtoolV3Binary.require(), ['test', 'rules', ...testFiles.map((f) => `tests/${f}`)], {
      cwd: prometheusDir,
    });
    expect(status, output).toBe(0);
    expect(output.match(/SUCCESS/g)?.length, output).toBe(testFiles.length);
  });

  it.each(['prometheus.yml', 'prometheus-scale.yml'])('promtool check config accepts %s and its rules', (config) => {
    const { status, output } = run(promtoolV3Binary.require(), ['check', 'config', config], { cwd: prometheusDir });
    expect(status, output).toBe(0);
  });
});

describe('promtool unit tests cover every rule', () => {
  it('every rule file has a test file that loads it', () => {
    for (const file of ruleFiles) {
      const loaders = promtoolTests.filter((t) => t.doc.rule_files.includes(`../rules/${file}`));
      expect(loaders.map((t) => t.file), `no tests/*.test.yml loads rules/${file}`).not.toHaveLength(0);
    }
  });

  // Per alert and severity: some eval expects it firing, and some eval of that
  // alert expects silence (before `for` elapses or below the threshold).
  const cases = new Set<string>();
  const silentChecks = new Set<string>();
  for (const { doc } of promtoolTests) {
    for (const test of doc.tests) {
      for (const check of test.alert_rule_test ?? []) {
        const expected = check.exp_alerts ?? [];
        if (expected.length === 0) silentChecks.add(check.alertname);
        for (const alert of expected) cases.add(`${check.alertname}/${alert.exp_labels?.severity ?? '?'}`);
      }
    }
  }
  const pairs = [...new Set(alertRules().map((r) => `${r.alert}/${r.labels.severity}`))];
  it.each(pairs)('%s is expected to fire in some test, and to stay silent in another', (pair) => {
    expect(cases.has(pair), `${pair} never expected to fire`).toBe(true);
    expect(silentChecks.has(pair.split('/')[0]), `${pair} never expected silent`).toBe(true);
  });
});
