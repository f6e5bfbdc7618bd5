/**
 * Service overview: RED per route from the agent's http.server.request.duration
 * histogram, with exemplars (trace ids) on the latency panels, plus the span
 * metrics Jaeger's Monitor tab reads.
 */
import { baseDashboard, datasourceVariable, labelVariable, row, statPanel, timeseriesPanel, type DashboardSpec } from './common';

const http = 'http_server_request_duration_seconds';
const sel = 'service_name=~"$service", http_route=~"$route"';
const errSel = `${sel}, http_response_status_code=~"5.."`;

/** 5xx share; `or ... * 0` keeps a 0 line instead of no data while nothing fails. */
function errorRatio(by: string): string {
  const grouping = by ? ` by (${by})` : '';
  return (
    `(sum${grouping} (rate(${http}_count{${errSel}}[$__rate_interval])) or sum${grouping} (rate(${http}_count{${sel}}[$__rate_interval])) * 0)\n` +
    `/ sum${grouping} (rate(${http}_count{${sel}}[$__rate_interval]))`
  );
}

function quantile(q: number, by: string): string {
  return `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${http}_bucket{${sel}}[$__rate_interval])))`;
}

export const serviceOverview: DashboardSpec = {
  file: 'service-overview.json',
  build: () =>
    baseDashboard(
      'otel-companion-service-overview',
      'Service overview',
      'RED (rate, errors, duration) per service and route, from the otel-companion agent\'s HTTP server metrics. Click an exemplar on a latency panel to open its trace in Jaeger.',
    )
      .withVariable(datasourceVariable())
      .withVariable(labelVariable('service', 'Service', `${http}_count`, 'service_name'))
      .withVariable(labelVariable('route', 'Route', `${http}_count{service_name=~"$service"}`, 'http_route'))
      .withRow(row('Summary'))
      .withPanel(
        statPanel({
          title: 'Request rate',
          description: 'HTTP server requests per second of the selected services and routes.',
          unit: 'reqps',
          queries: [{ expr: `sum(rate(${http}_count{${sel}}[$__rate_interval]))` }],
        }),
      )
      .withPanel(
        statPanel({
          title: 'Error ratio (5xx)',
          description: 'Share of HTTP server requests answered 5xx. The HighErrorRate alert warns above 1% and pages above 5% (over 5m).',
          unit: 'percentunit',
          queries: [{ expr: errorRatio('') }],
          thresholds: { warning: 0.01, critical: 0.05 },
        }),
      )
      .withPanel(
        statPanel({
          title: 'p95 latency',
          description: '95th percentile of HTTP server request duration. The HighLatencyP95 alert warns above 500ms and pages above 2s.',
          unit: 's',
          queries: [{ expr: quantile(0.95, '') }],
          thresholds: { warning: 0.5, critical: 2 },
        }),
      )
      .withPanel(
        statPanel({
          title: 'Server spans per second (span metrics)',
          description: 'Server span rate computed by the collector\'s span_metrics connector: the data behind Jaeger\'s Monitor tab. It should match the request rate.',
          unit: 'reqps',
          queries: [{ expr: 'sum(rate(traces_span_metrics_calls_total{service_name=~"$service", span_kind="SPAN_KIND_SERVER"}[$__rate_interval]))' }],
        }),
      )
      .withRow(row('Per route'))
      .withPanel(
        timeseriesPanel({
          title: 'Request rate by route',
          description: 'HTTP server requests per second by route template and method.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (service_name, http_request_method, http_route) (rate(${http}_count{${sel}}[$__rate_interval]))`,
              legend: '{{service_name}} {{http_request_method}} {{http_route}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Error ratio by route (5xx)',
          description: 'Share of requests answered 5xx, by route. Dashed lines: HighErrorRate thresholds (1% warning, 5% critical).',
          unit: 'percentunit',
          min: 0,
          queries: [{ expr: errorRatio('service_name, http_route'), legend: '{{service_name}} {{http_route}}' }],
          thresholds: { warning: 0.01, critical: 0.05 },
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Latency p50 / p95 / p99 by route',
          description: 'Request duration percentiles by route, with exemplars: each dot is a real request; click it to open its trace in Jaeger. Dashed lines: HighLatencyP95 thresholds.',
          unit: 's',
          width: 24,
          height: 10,
          queries: [
            { expr: quantile(0.5, 'service_name, http_route'), legend: 'p50 {{service_name}} {{http_route}}', exemplar: true },
            { expr: quantile(0.95, 'service_name, http_route'), legend: 'p95 {{service_name}} {{http_route}}', exemplar: true },
            { expr: quantile(0.99, 'service_name, http_route'), legend: 'p99 {{service_name}} {{http_route}}', exemplar: true },
          ],
          thresholds: { warning: 0.5, critical: 2 },
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Responses by status code',
          description: 'HTTP server responses per second by status code, all selected routes together.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (http_response_status_code) (rate(${http}_count{${sel}}[$__rate_interval]))`,
              legend: '{{http_response_status_code}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Server span p95 by operation (span metrics)',
          description: 'p95 duration of server spans from the span_metrics connector (milliseconds histogram), as Jaeger\'s Monitor tab shows it.',
          unit: 'ms',
          queries: [
            {
              expr: 'histogram_quantile(0.95, sum by (le, service_name, span_name) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name=~"$service", span_kind="SPAN_KIND_SERVER"}[$__rate_interval])))',
              legend: '{{service_name}} {{span_name}}',
              exemplar: true,
            },
          ],
        }),
      )
      .build(),
};
