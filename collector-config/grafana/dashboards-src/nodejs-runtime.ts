/**
 * Node.js runtime: event loop, V8 heap and GC, process CPU and memory, per
 * process (service_name + service_instance_id).
 */
import { HEAP_RATIO_WITHOUT } from '../../prometheus/alerts-src/nodejs-runtime';
import { thresholds } from '../../prometheus/alerts-src/thresholds';
import { baseDashboard, datasourceVariable, labelVariable, row, timeseriesPanel, type DashboardSpec } from './common';

const svc = 'service_name=~"$service"';
const perProcess = '{{service_name}} {{service_instance_id}}';
/** Heap used (runtime-node scope, per space) and heap limit (agent scope) meet per process without these. */
const perProcessOnly = HEAP_RATIO_WITHOUT;

export const nodejsRuntime: DashboardSpec = {
  file: 'nodejs-runtime.json',
  build: () =>
    baseDashboard(
      'otel-companion-nodejs-runtime',
      'Node.js runtime',
      'Event loop, V8 heap and garbage collection, CPU and memory of every Node.js process running the otel-companion agent.',
    )
      .withVariable(datasourceVariable())
      .withVariable(labelVariable('service', 'Service', 'nodejs_eventloop_delay_p99_seconds', 'service_name'))
      .withRow(row('Event loop'))
      .withPanel(
        timeseriesPanel({
          title: 'Event-loop delay p99',
          description: 'p99 delay of the event loop per process (perf_hooks.monitorEventLoopDelay): how long a ready callback waited. Dashed lines: EventLoopLagHigh thresholds (100ms warning, 500ms critical).',
          unit: 's',
          queries: [{ expr: `max by (service_name, service_instance_id) (nodejs_eventloop_delay_p99_seconds{${svc}})`, legend: perProcess }],
          thresholds: thresholds.eventLoopDelayP99Seconds,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Event-loop utilization',
          description: 'Share of time the event loop was busy running code rather than waiting for I/O. Near 100% the process is CPU-bound.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [{ expr: `max by (service_name, service_instance_id) (nodejs_eventloop_utilization_ratio{${svc}})`, legend: perProcess }],
        }),
      )
      .withRow(row('Memory'))
      .withPanel(
        timeseriesPanel({
          title: 'Heap used / heap limit',
          description: 'V8 heap used as a share of the heap limit (--max-old-space-size). Dashed lines: MemoryNearLimit thresholds (70% warning, 90% critical).',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `sum without (${perProcessOnly}) (v8js_memory_heap_used_bytes{${svc}})\n/ sum without (${perProcessOnly}) (v8js_memory_heap_limit_bytes{${svc}})`,
              legend: perProcess,
            },
          ],
          thresholds: thresholds.heapUsageRatio,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Heap used by space',
          description: 'V8 heap used per heap space (new, old, code, large objects...). A steady climb of old_space across GCs suggests a leak.',
          unit: 'bytes',
          queries: [
            {
              expr: `sum by (service_name, service_instance_id, v8js_heap_space_name) (v8js_memory_heap_used_bytes{${svc}})`,
              legend: `${perProcess} {{v8js_heap_space_name}}`,
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Resident memory (RSS)',
          description: 'Resident set size of the process: heap plus buffers, native modules and code. Compare with the container memory limit.',
          unit: 'bytes',
          queries: [{ expr: `sum by (service_name, service_instance_id) (process_memory_usage_bytes{${svc}})`, legend: perProcess }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Time spent in GC',
          description: 'Share of wall-clock time spent in garbage collection, by GC kind. Major GCs block the event loop.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `sum by (service_name, v8js_gc_type) (rate(v8js_gc_duration_seconds_sum{${svc}}[$__rate_interval]))`,
              legend: '{{service_name}} {{v8js_gc_type}}',
            },
          ],
        }),
      )
      .withRow(row('CPU'))
      .withPanel(
        timeseriesPanel({
          title: 'CPU usage',
          description: 'CPU time per second of wall-clock time, user and system together: 100% is one full core.',
          unit: 'percentunit',
          min: 0,
          width: 24,
          queries: [
            {
              expr: `sum by (service_name, service_instance_id) (rate(process_cpu_time_seconds_total{${svc}}[$__rate_interval]))`,
              legend: perProcess,
            },
          ],
        }),
      )
      .build(),
};
