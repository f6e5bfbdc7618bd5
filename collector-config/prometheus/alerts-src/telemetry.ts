/** Is every service still sending? */
import { SERVICE_FROM_LABEL, type AlertDefinition, type RuleFile } from './model';

/** Series that change on every export of a live process (CPU time, heap) or with any traffic (requests). */
export const HEARTBEAT_SERIES = [
  'process_cpu_time_seconds_total',
  'v8js_memory_heap_used_bytes',
  'http_server_request_duration_seconds_count',
] as const;

const seenWithin = (window: string) =>
  HEARTBEAT_SERIES.map((m) => `    group by (service_name) (last_over_time(${m}{service_name!=""}[${window}]))`).join('\n  or\n');
const changedWithin = (window: string) =>
  HEARTBEAT_SERIES.map((m) => `    group by (service_name) (changes(${m}{service_name!=""}[${window}]) > 0)`).join('\n  or\n');

const telemetryMissing: AlertDefinition = {
  name: 'ServiceTelemetryMissing',
  comment: '5m of silence is in the expression; `for` only rides out one\nlate scrape of the collector.',
  service: SERVICE_FROM_LABEL,
  means: 'a service that reported in the last hour has sent nothing new for 5 minutes.',
  rules: [
    {
      severity: 'warning',
      expr: `(\n${seenWithin('1h')}\n)\nunless\n(\n${changedWithin('5m')}\n)`,
      for: '1m',
      summary: '{{ $labels.service_name }} stopped sending telemetry',
      description:
        '{{ $labels.service_name }} reported metrics within the last hour but nothing new for at least 5 minutes: the service is down, its agent cannot reach the collector, or the collector drops its data.',
    },
  ],
};

export const telemetryRules: RuleFile = {
  file: 'telemetry.yml',
  group: 'otel-companion-telemetry',
  header:
    'Is every service still sending? "Sent something" means a heartbeat series\nchanged: CPU time and heap used change on every export of a live process,\nthe request counter changes whenever there is traffic. A changed value, not\nmere presence, because a remote-written series that stopped still answers\ninstant queries with its last sample for 5 minutes (the lookback delta:\nremote write sends no staleness markers).\nOne metric per term: changes() drops metric names, so a regex over several\nnames would collide on identical label sets.',
  alerts: [telemetryMissing],
};
