/**
 * Shared building blocks of the otel-companion dashboards: the templated
 * Prometheus datasource, the service variable, and panel factories that make
 * a unit and a description mandatory arguments (every panel has both; a test
 * and dashboard-linter check the generated JSON).
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Templated datasource (dashboard-linter: template-datasource-rule, panel-datasource-rule). */
export const promDatasource: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Marks panels that plot failures: no series on a healthy stack. Read by collector-config/queries.ts. */
export const EMPTY_WHILE_HEALTHY = 'Empty while healthy.';

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/**
 * A multi-select label variable, refreshed on time-range change, "All" = `.+`.
 * Queries use it as `label=~"$name"`.
 */
export function labelVariable(name: string, label: string, metric: string, labelName: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(promDatasource)
    .query({ qryType: 1, query: `label_values(${metric}, ${labelName})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(`label_values(${metric}, ${labelName})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ text: 'All', value: '$__all', selected: true });
}

export interface Query {
  expr: string;
  legend?: string;
  /** Ask Prometheus for exemplars (trace ids) on this histogram query. */
  exemplar?: boolean;
  /** One value per series at the end of the range (bar gauges), instead of a range query. */
  instant?: boolean;
}

function promQuery(query: Query, refId: string): prometheus.DataqueryBuilder {
  const builder = new prometheus.DataqueryBuilder()
    .datasource(promDatasource)
    .refId(refId)
    .expr(query.expr)
    .legendFormat(query.legend ?? '__auto');
  if (query.instant) return builder.instant();
  return builder.range().exemplar(query.exemplar ?? false);
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** Grid width (of 24) and height; defaults 12 x 8. */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  /** Draw threshold lines at these values (alert thresholds). */
  thresholds?: { warning?: number; critical?: number };
}

function thresholdSteps(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [{ value: null as unknown as number, color: 'green' }];
  if (spec.thresholds?.warning !== undefined) steps.push({ value: spec.thresholds.warning, color: 'orange' });
  if (spec.thresholds?.critical !== undefined) steps.push({ value: spec.thresholds.critical, color: 'red' });
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

const refIds = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function timeseriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(promDatasource)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['mean', 'max', 'lastNotNull']),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .thresholds(thresholdSteps(spec));
  if (spec.thresholds) {
    panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  spec.queries.forEach((q, i) => panel.withTarget(promQuery(q, refIds[i])));
  return panel;
}

export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(promDatasource)
    .unit(spec.unit)
    .span(spec.width ?? 6)
    .height(spec.height ?? 4)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholdSteps(spec));
  spec.queries.forEach((q, i) => panel.withTarget(promQuery(q, refIds[i])));
  return panel;
}

/** Horizontal bars, one per series: a ranking at the end of the time range. */
export function barGaugePanel(spec: PanelSpec): bargauge.PanelBuilder {
  const panel = new bargauge.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(promDatasource)
    .unit(spec.unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholdSteps(spec));
  if (spec.min !== undefined) panel.min(spec.min);
  spec.queries.forEach((q, i) => panel.withTarget(promQuery({ ...q, instant: true }, refIds[i])));
  return panel;
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}

export interface DashboardSpec {
  /** File name under collector-config/grafana/dashboards/. */
  file: string;
  build(): dashboard.Dashboard;
}

/** Settings every otel-companion dashboard shares. */
export function baseDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['otel-companion'])
    .readonly()
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('otel-companion dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['otel-companion'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

export type Builder<T> = cog.Builder<T>;
