import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboards, renderDashboard } from '../../collector-config/grafana/dashboards-src/index';
import { dashboardQueries } from '../../collector-config/queries';
import { requireBinary, run } from './binaries';

const repoRoot = join(__dirname, '../..');
const jsonDir = join(repoRoot, 'collector-config/grafana/dashboards');
const committed = readdirSync(jsonDir).filter((f) => f.endsWith('.json')).sort();

interface Panel {
  type: string;
  title?: string;
  description?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  datasource?: { uid?: string };
  targets?: { expr?: string; exemplar?: boolean }[];
  panels?: Panel[];
}
const panelsOf = (file: string): Panel[] => {
  const dashboard = JSON.parse(readFileSync(join(jsonDir, file), 'utf8')) as { panels: Panel[] };
  const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels).filter((p) => p.type !== 'row');
};

describe('Grafana dashboards as code', () => {
  it('has the five dashboards', () => {
    expect(dashboards.map((d) => d.file).sort()).toEqual(
      ['business-events.json', 'collector-health.json', 'nodejs-runtime.json', 'postgresql-client.json', 'service-overview.json'],
    );
  });

  it('the committed JSON is what dashboards-src generates (not stale)', () => {
    expect(committed, 'JSON files without a source, or sources without JSON').toEqual(dashboards.map((d) => d.file).sort());
    for (const spec of dashboards) {
      expect(readFileSync(join(jsonDir, spec.file), 'utf8'), `${spec.file} is stale: run npm run generate:dashboards`).toBe(
        renderDashboard(spec),
      );
    }
  });

  it.each(committed)('%s: every panel has a title, a description, a unit and the templated datasource', (file) => {
    const panels = panelsOf(file);
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      const name = `${file} › ${panel.title ?? '(untitled)'}`;
      expect(panel.title, name).toBeTruthy();
      expect(panel.description, `${name}: description`).toBeTruthy();
      expect(panel.fieldConfig?.defaults?.unit, `${name}: unit`).toBeTruthy();
      expect(panel.datasource?.uid, `${name}: datasource`).toBe('${datasource}');
      expect(panel.targets?.length, `${name}: queries`).toBeGreaterThan(0);
    }
  });

  it('the latency panels of Service overview and PostgreSQL client ask for exemplars', () => {
    for (const file of ['service-overview.json', 'postgresql-client.json']) {
      const withExemplars = panelsOf(file).filter((p) => p.targets?.some((t) => t.exemplar));
      expect(withExemplars.map((p) => p.title).join(), file).toMatch(/with exemplars/);
    }
  });

  it('every dashboard query is exported for the end-to-end test, with variables substituted', () => {
    const queries = dashboardQueries();
    const targets = committed.flatMap((f) => panelsOf(f).flatMap((p) => p.targets ?? [])).filter((t) => t.expr);
    expect(queries).toHaveLength(targets.length);
    for (const q of queries) expect(q.expr, q.where).not.toMatch(/\$/);
  });
});

const linter = requireBinary('dashboard-linter', 'bash scripts/stack/build-dashboard-linter.sh (builds it into .stack/bin from Go modules)', [
  join(repoRoot, '.stack/bin/dashboard-linter'),
  'dashboard-linter',
]);

describe.runIf(linter.shouldRun)('dashboard-linter', () => {
  it.each(committed)('%s passes dashboard-linter --strict (exclusions and their reasons: dashboards/.lint)', (file) => {
    const { status, output } = run(linter.require(), ['lint', '--strict', '--config', join(jsonDir, '.lint'), join(jsonDir, file)]);
    expect(status, output).toBe(0);
  });

  it('dashboard-linter fails a dashboard whose panel lost its unit and description (the check can fail)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'otel-companion-lint-'));
    try {
      const dashboard = JSON.parse(readFileSync(join(jsonDir, 'collector-health.json'), 'utf8')) as { panels: Panel[] };
      const panel = dashboard.panels.find((p) => p.type === 'timeseries');
      if (!panel?.fieldConfig?.defaults) throw new Error('collector-health.json has no timeseries panel');
      delete panel.fieldConfig.defaults.unit;
      delete panel.description;
      const broken = join(scratch, 'collector-health.json');
      writeFileSync(broken, JSON.stringify(dashboard));
      const { status, output } = run(linter.require(), ['lint', '--strict', '--config', join(jsonDir, '.lint'), broken]);
      expect(status).not.toBe(0);
      expect(output).toMatch(/panel-units-rule|invalid units|has no or invalid units/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
