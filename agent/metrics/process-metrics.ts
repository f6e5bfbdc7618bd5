import * as v8 from 'node:v8';
import { ValueType, type BatchObservableResult, type Meter, type Observable } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { AGENT_VERSION } from '../runtime/version';
import {
  ATTR_CPU_MODE, CPU_MODE_VALUE_SYSTEM, CPU_MODE_VALUE_USER, METRIC_PROCESS_CPU_TIME, METRIC_PROCESS_MEMORY_USAGE,
  METRIC_V8JS_MEMORY_HEAP_LIMIT,
} from './semconv';

export const PROCESS_METRICS_SCOPE = 'otel-companion-process-metrics';

const USER = { [ATTR_CPU_MODE]: CPU_MODE_VALUE_USER };
const SYSTEM = { [ATTR_CPU_MODE]: CPU_MODE_VALUE_SYSTEM };

/**
 * What @opentelemetry/instrumentation-runtime-node leaves out: resident memory, process CPU time
 * and V8's heap size limit. Read only when a reader collects, so they cost nothing in between.
 * An instrumentation (with no module hooks) so that it gets the agent's meter provider the same
 * way as the others.
 */
export class ProcessMetricsInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  // `declare`d: the base constructor calls _updateMetricInstruments before field initialisers run.
  private declare observables?: { rss: Observable; cpu: Observable; heapLimit: Observable };
  private declare observe?: (result: BatchObservableResult) => void;
  private declare observedMeter?: Meter;

  constructor(config: InstrumentationConfig = {}) {
    super(PROCESS_METRICS_SCOPE, AGENT_VERSION, config);
  }

  protected init() {
    return [];
  }

  protected override _updateMetricInstruments(): void {
    if (this.observedMeter && this.observables && this.observe) {
      this.observedMeter.removeBatchObservableCallback(this.observe, Object.values(this.observables));
    }
    this.observedMeter = this.meter;
    this.observe ??= (result) => this.collect(result);
    this.observables = {
      rss: this.meter.createObservableUpDownCounter(METRIC_PROCESS_MEMORY_USAGE, {
        description: 'Resident set size of the process.', unit: 'By', valueType: ValueType.INT,
      }),
      cpu: this.meter.createObservableCounter(METRIC_PROCESS_CPU_TIME, {
        description: 'CPU time used by the process, by mode.', unit: 's', valueType: ValueType.DOUBLE,
      }),
      heapLimit: this.meter.createObservableUpDownCounter(METRIC_V8JS_MEMORY_HEAP_LIMIT, {
        description: 'V8 heap size limit of the process (heap_size_limit; --max-old-space-size).', unit: 'By', valueType: ValueType.INT,
      }),
    };
    this.meter.addBatchObservableCallback(this.observe, Object.values(this.observables));
  }

  private collect(result: BatchObservableResult): void {
    const o = this.observables;
    if (!o || !this.isEnabled()) return;
    result.observe(o.rss, process.memoryUsage.rss());
    const cpu = process.cpuUsage();
    result.observe(o.cpu, cpu.user / 1e6, USER);
    result.observe(o.cpu, cpu.system / 1e6, SYSTEM);
    result.observe(o.heapLimit, v8.getHeapStatistics().heap_size_limit);
  }
}
