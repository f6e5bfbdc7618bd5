/** Node.js runtime alerts, per process. */
import { duration, percent, SERVICE_AND_INSTANCE, SERVICE_FROM_LABEL, type AlertDefinition, type RuleFile } from './model';
import { thresholds } from './thresholds';

/**
 * Heap used comes per heap space from instrumentation-runtime-node, the heap
 * limit per process from the agent's own scope: these labels are summed away
 * so the two meet per process.
 */
export const HEAP_RATIO_WITHOUT = 'v8js_heap_space_name, otel_scope_name, otel_scope_version, otel_scope_schema_url';

const eventLoopLag: AlertDefinition = {
  name: 'EventLoopLagHigh',
  comment: 'p99 event-loop delay as measured by perf_hooks.monitorEventLoopDelay\nover each export interval.',
  service: SERVICE_FROM_LABEL,
  means: 'p99 event-loop delay of a Node.js process above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.eventLoopDelayP99Seconds[severity];
    return {
      severity,
      expr: `nodejs_eventloop_delay_p99_seconds > ${t}`,
      for: '5m',
      summary:
        severity === 'critical'
          ? `Event loop of {{ $labels.service_name }} is blocked (p99 delay above ${duration(t)})`
          : `Event loop of {{ $labels.service_name }} lags (p99 delay above ${duration(t)})`,
      description:
        `p99 event-loop delay of ${SERVICE_AND_INSTANCE} is {{ $value | humanizeDuration }} (${severity} above ${duration(t)})` +
        (severity === 'critical' ? ': every request on that process waits that long before it runs.' : '.'),
    };
  }),
};

const memoryNearLimit: AlertDefinition = {
  name: 'MemoryNearLimit',
  comment:
    'V8 heap used / heap limit. Used comes per heap space from\ninstrumentation-runtime-node, the limit per process from the agent\'s\nown scope: summing away the space and the otel_scope_* labels (which\nthe collector\'s remote-write exporter adds) lines the two up per process.\nThe warning waits longer: a heap that is 70% full between two major GCs is\nnormal for a while, one that stays there is leaking or undersized.',
  service: SERVICE_FROM_LABEL,
  means: 'V8 heap used / heap limit of a Node.js process above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.heapUsageRatio[severity];
    return {
      severity,
      expr: `sum without (${HEAP_RATIO_WITHOUT}) (v8js_memory_heap_used_bytes)\n  /\nsum without (${HEAP_RATIO_WITHOUT}) (v8js_memory_heap_limit_bytes)\n  > ${t}`,
      for: severity === 'critical' ? '5m' : '15m',
      summary: `Heap of {{ $labels.service_name }} is above ${percent(t)} of its limit`,
      description:
        severity === 'critical'
          ? `V8 heap used by ${SERVICE_AND_INSTANCE} is {{ $value | humanizePercentage }} of the heap limit (critical above ${percent(t)}). The process is close to "JavaScript heap out of memory".`
          : `V8 heap used by ${SERVICE_AND_INSTANCE} has stayed at {{ $value | humanizePercentage }} of the heap limit for 15 minutes (warning above ${percent(t)}).`,
    };
  }),
};

export const nodejsRuntimeRules: RuleFile = {
  file: 'nodejs-runtime.yml',
  group: 'otel-companion-nodejs-runtime',
  header: 'Node.js runtime alerts, per process (every label but the metric\'s own\nbreakdown is kept, so replicas of one service are judged one by one).\nThresholds: the performance baseline table (alerts-src/thresholds.ts).',
  alerts: [eventLoopLag, memoryNearLimit],
};
