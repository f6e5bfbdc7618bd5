/**
 * Service overview: RED per route from the agent's http.server.request.duration
 * histogram and the collector's span metrics (what Jaeger's Monitor tab
 * reads), which carry exemplars (trace ids) for the latency percentiles.
 */
import { inMilliseconds, thresholds } from '../../prometheus/alerts-src/thresholds';
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

/** Server-span duration quantile by route from the span_metrics connector (milliseconds; carries exemplars). */
function spanQuantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, service_name, http_route) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name=~"$service", http_route=~"$route", span_kind="SPAN_KIND_SERVER"}[$__rate_interval])))`;
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
      'RED (rate, errors, duration) per service and route, from the otel-companion agent\'s HTTP server metrics and the collector\'s span metrics. Click an exemplar on the percentile panel to open its trace in Jaeger.',
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
          thresholds: thresholds.httpErrorRatio,
        }),
      )
      .withPanel(
        statPanel({
          title: 'p95 latency',
          description: '95th percentile of HTTP server request duration. The HighLatencyP95 alert warns above 500ms and pages above 2s.',
          unit: 's',
          queries: [{ expr: quantile(0.95, '') }],
          thresholds: thresholds.httpLatencyP95Seconds,
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
          thresholds: thresholds.httpErrorRatio,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Latency p50 / p95 / p99 by route (with exemplars)',
          description:
            'Server span duration percentiles by route, from the collector\'s span metrics, with exemplars: each dot is a real request; click it to open its trace in Jaeger. (The agent\'s HTTP histogram carries no exemplars: the OpenTelemetry JS SDK does not record them.) Dashed lines: HighLatencyP95 thresholds.',
          unit: 'ms',
          width: 24,
          height: 10,
          queries: [
            { expr: spanQuantile(0.5), legend: 'p50 {{service_name}} {{http_route}}', exemplar: true },
            { expr: spanQuantile(0.95), legend: 'p95 {{service_name}} {{http_route}}', exemplar: true },
            { expr: spanQuantile(0.99), legend: 'p99 {{service_name}} {{http_route}}', exemplar: true },
          ],
          thresholds: inMilliseconds(thresholds.httpLatencyP95Seconds),
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
          title: 'Latency p95 by route (HTTP server metric)',
          description: 'p95 of the agent\'s http.server.request.duration by route: the series the HighLatencyP95 alert evaluates (per service). Dashed lines: its thresholds (500ms warning, 2s critical).',
          unit: 's',
          queries: [{ expr: quantile(0.95, 'service_name, http_route'), legend: '{{service_name}} {{http_route}}' }],
          thresholds: thresholds.httpLatencyP95Seconds,
        }),
      )
      .build(),
};
