import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleFiles } from '../../collector-config/prometheus/alerts-src/index';
import { alertRules } from '../../collector-config/queries';
import {
  businessEventsConfigPath,
  parseBusinessEventsConfig,
  renderRuleFile,
  rulesDir,
} from '../../scripts/generate-alert-rules';

const runbooks = readFileSync(join(__dirname, '../../docs/runbooks.md'), 'utf8');
const RUNBOOK_PREFIX = 'https://github.com/otel-companion/otel-companion/blob/main/docs/runbooks.md#';

/** The anchor GitHub gives a Markdown heading: lower-case, punctuation dropped, spaces to dashes. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchors = new Set(
  runbooks
    .split('\n')
    .filter((line) => /^#{1,6}\s/.test(line))
    .map((line) => githubAnchor(line.replace(/^#+\s*/, ''))),
);

const rules = alertRules();

describe('rule files generated from alerts-src (mixin style)', () => {
  const sources = ruleFiles(parseBusinessEventsConfig(readFileSync(businessEventsConfigPath, 'utf8'), 'business-events.yaml'));

  it.each(sources.map((f) => [f.file, f] as const))('rules/%s is what alerts-src generates (not stale)', (file, source) => {
    expect(readFileSync(join(rulesDir, file), 'utf8'), `stale: run npm run generate:alerts and commit rules/${file}`).toBe(
      renderRuleFile(source),
    );
  });

  it('every file in rules/ has a source', () => {
    const committed = readdirSync(rulesDir).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(committed).toEqual(sources.map((f) => f.file).sort());
  });
});

describe('alert rules carry what on-call needs', () => {
  it('finds the rules', () => {
    // 6 alerts x 2 severities, 4 collector alerts, ServiceTelemetryMissing, BusinessEvent
    expect(rules.length).toBe(18);
  });

  it('githubAnchor matches GitHub for our heading style', () => {
    expect(githubAnchor('HighErrorRate')).toBe('higherrorrate');
    expect(githubAnchor('CollectorDown (critical)')).toBe('collectordown-critical');
  });

  it.each(rules.map((r) => [`${r.alert} ${r.labels.severity ?? ''} (${r.file})`, r] as const))('%s', (_name, rule) => {
    expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
    expect(rule.labels.service, 'service label (Alertmanager groups by it)').toBeTruthy();
    for (const key of ['summary', 'description', 'runbook_url'] as const) {
      expect(rule.annotations[key], `annotation ${key}`).toBeTruthy();
    }
    expect(rule.annotations.runbook_url.startsWith(RUNBOOK_PREFIX), rule.annotations.runbook_url).toBe(true);
    const anchor = rule.annotations.runbook_url.slice(RUNBOOK_PREFIX.length);
    expect(anchors.has(anchor), `docs/runbooks.md has no heading with anchor #${anchor}`).toBe(true);
  });

  it('every alert of the baseline table exists', () => {
    const names = new Set(rules.map((r) => r.alert));
    for (const name of [
      'HighErrorRate',
      'HighLatencyP95',
      'SlowDatabaseQueries',
      'DatabasePoolNearExhaustion',
      'EventLoopLagHigh',
      'MemoryNearLimit',
      'ServiceTelemetryMissing',
      'CollectorExportFailing',
      'CollectorRefusingData',
      'CollectorQueueNearFull',
      'CollectorDown',
      'BusinessEvent',
    ]) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it('every runbook section of an alert name belongs to an existing alert', () => {
    const alertAnchors = new Set(rules.map((r) => r.annotations.runbook_url.slice(RUNBOOK_PREFIX.length)));
    const sections = runbooks
      .split('\n')
      .filter((line) => /^##\s/.test(line))
      .map((line) => githubAnchor(line.replace(/^#+\s*/, '')));
    for (const section of sections) expect(alertAnchors.has(section), `stale runbook section #${section}`).toBe(true);
  });
});
