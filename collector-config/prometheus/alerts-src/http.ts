/** HTTP server RED alerts, per service, from the agent's http.server.request.duration histogram. */
import { duration, percent, runbookUrl, SERVICE_FROM_LABEL, type AlertDefinition, type RuleFile } from './model';
import { thresholds } from './thresholds';

const errorRatio = (threshold: number) => `sum by (service_name) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5.."}[5m]))
  /
sum by (service_name) (rate(http_server_request_duration_seconds_count[5m]))
  > ${threshold}`;

const latencyP95 = (threshold: number) =>
  `histogram_quantile(0.95, sum by (service_name, le) (rate(http_server_request_duration_seconds_bucket[5m])))
  > ${threshold}`;

const highErrorRate: AlertDefinition = {
  name: 'HighErrorRate',
  comment:
    '5xx share of server requests over 5m. Two rules, one per severity;\nAlertmanager\'s inhibit_rules silence the warning while the critical fires.',
  service: SERVICE_FROM_LABEL,
  means: '5xx share of HTTP server requests of a service over 5 minutes above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.httpErrorRatio[severity];
    return {
      severity,
      expr: errorRatio(t),
      for: '5m',
      summary: `More than ${percent(t)} of requests to {{ $labels.service_name }} fail with 5xx`,
      description: `{{ $value | humanizePercentage }} of HTTP server requests to {{ $labels.service_name }} answered 5xx over the last 5 minutes (${severity} above ${percent(t)}).`,
    };
  }),
};

const highLatencyP95: AlertDefinition = {
  name: 'HighLatencyP95',
  comment:
    'p95 of server request duration. `for: 10m` because p95 over a 5m window\nof a low-traffic service jumps with a handful of slow requests.',
  service: SERVICE_FROM_LABEL,
  means: '95th percentile of HTTP server request duration of a service above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.httpLatencyP95Seconds[severity];
    return {
      severity,
      expr: latencyP95(t),
      for: '10m',
      summary: `p95 latency of {{ $labels.service_name }} is above ${duration(t)}`,
      description: `The 95th percentile of HTTP server request duration of {{ $labels.service_name }} is {{ $value | humanizeDuration }} (${severity} above ${duration(t)}).`,
    };
  }),
};

export const httpRules: RuleFile = {
  file: 'http.yml',
  group: 'otel-companion-http',
  header: 'HTTP server RED alerts, per service, from the agent\'s\nhttp.server.request.duration histogram (semconv stable HTTP metrics).\nThresholds: the performance baseline table (alerts-src/thresholds.ts).',
  alerts: [highErrorRate, highLatencyP95],
};

export { runbookUrl };
