/**
 * Every PromQL expression the stack ships, in one machine-readable list: the
 * alert rules (collector-config/prometheus/rules/*.yml) and the Grafana
 * dashboards (collector-config/grafana/dashboards/*.json, the committed JSON).
 *
 * The end-to-end test executes each against the real Prometheus: each must
 * parse, and dashboard queries with `expectData` must return series after the
 * demo traffic. See docs/alerting.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/** The repository (or installed package) root: the nearest folder up with a package.json, so this also works compiled. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'collector-config'))) return dir;
    if (dirname(dir) === dir) throw new Error(`collector-config/queries: no package root above ${from}`);
  }
}

export const collectorConfigDir = join(packageRoot(__dirname), 'collector-config');
export const rulesDir = join(collectorConfigDir, 'prometheus/rules');
export const dashboardsDir = join(collectorConfigDir, 'grafana/dashboards');

export interface AlertRule {
  /** rules/<file>.yml */
  file: string;
  group: string;
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PromQLQuery {
  source: 'rule' | 'dashboard';
  /** Path relative to collector-config/. */
  file: string;
  /** Alert name and severity, or dashboard title › panel title › refId. */
  where: string;
  /** Executable PromQL: Grafana variables already substituted (see substituteGrafanaVariables). */
  expr: string;
  /** The expression as written in the rule or the dashboard. */
  rawExpr: string;
  /**
   * Should it return series once the demo app has sent traffic (including an
   * error burst and a business event)? False for alert rules (they return
   * series only while firing) and for dashboard panels that plot failures
   * which a healthy stack does not have (e.g. refused spans): their counters
   * may not exist at all until the first failure.
   */
  expectData: boolean;
}

function ruleFiles(): string[] {
  return readdirSync(rulesDir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort();
}

/** All alerting rules, in file order. */
export function alertRules(): AlertRule[] {
  const rules: AlertRule[] = [];
  for (const name of ruleFiles()) {
    const doc = parse(readFileSync(join(rulesDir, name), 'utf8')) as {
      groups: { name: string; rules: Record<string, unknown>[] }[];
    };
    for (const group of doc.groups) {
      for (const rule of group.rules) {
        if (typeof rule.alert !== 'string') continue;
        rules.push({
          file: `prometheus/rules/${name}`,
          group: group.name,
          alert: rule.alert,
          expr: String(rule.expr).trim(),
          for: typeof rule.for === 'string' ? rule.for : '0s',
          labels: (rule.labels ?? {}) as Record<string, string>,
          annotations: (rule.annotations ?? {}) as Record<string, string>,
        });
      }
    }
  }
  return rules;
}

/**
 * Grafana variables in our dashboards, replaced by values that make the query
 * plain PromQL: the multi-value selectors all sit in `=~"$var"` matchers, so
 * `.+` selects everything, as "All" does in Grafana.
 */
export const grafanaVariableDefaults: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  // Label variables: what Grafana's "All" sends (allValue `.+`).
  service: '.+',
  route: '.+',
  operation: '.+',
  pool: '.+',
  event_name: '.+',
  job: '.+',
  instance: '.+',
};

export function substituteGrafanaVariables(expr: string, values: Record<string, string> = grafanaVariableDefaults): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}

interface DashboardJson {
  title: string;
  panels?: PanelJson[];
}
interface PanelJson {
  title?: string;
  type?: string;
  panels?: PanelJson[];
  targets?: { refId?: string; expr?: string; datasource?: { type?: string } }[];
  description?: string;
}

/** Panels whose query may legitimately return nothing on a healthy stack carry this in their description. */
export const NO_DATA_WHEN_HEALTHY = 'Empty while healthy.';

export function dashboardFiles(): string[] {
  return readdirSync(dashboardsDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function dashboardQueries(): PromQLQuery[] {
  const queries: PromQLQuery[] = [];
  for (const name of dashboardFiles()) {
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, name), 'utf8')) as DashboardJson;
    const visit = (panels: PanelJson[] | undefined): void => {
      for (const panel of panels ?? []) {
        visit(panel.panels);
        for (const target of panel.targets ?? []) {
          if (!target.expr) continue;
          queries.push({
            source: 'dashboard',
            file: `grafana/dashboards/${name}`,
            where: `${dashboard.title} › ${panel.title ?? '(untitled)'} › ${target.refId ?? '?'}`,
            expr: substituteGrafanaVariables(target.expr),
            rawExpr: target.expr,
            expectData: !(panel.description ?? '').includes(NO_DATA_WHEN_HEALTHY),
          });
        }
      }
    };
    visit(dashboard.panels);
  }
  return queries;
}

export function ruleQueries(): PromQLQuery[] {
  return alertRules().map((rule) => ({
    source: 'rule',
    file: rule.file,
    where: `${rule.alert} (${rule.labels.severity ?? 'no severity'})`,
    expr: rule.expr,
    rawExpr: rule.expr,
    expectData: false,
  }));
}

/** Every PromQL expression: alert rules first, then dashboards. */
export function allQueries(): PromQLQuery[] {
  return [...ruleQueries(), ...dashboardQueries()];
}
