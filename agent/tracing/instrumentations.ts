import { createNoopMeter, type MeterProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from '../config';
import type { ProcessorPipeline } from '../processors';
import { DEFAULT_INSTRUMENTATIONS } from './settings';
import { agentLog } from './diagnostics';
import { sqlOperationName } from './db-operation';
import { createExpressInstrumentations } from './express-route';
import { ATTR_DB_OPERATION_NAME } from '@opentelemetry/semantic-conventions';

/**
 * Builds only the instrumentations that are asked for. The supported set is tuned here; any other
 * name is an opt-in: `@opentelemetry/instrumentation-<name>` is loaded when the app has it installed.
 * Metrics and logs instrumentations (runtime-node, winston) are built by their own concerns.
 */
export function createTracingInstrumentations(config: AgentConfig, pipeline: ProcessorPipeline): Instrumentation[] {
  const wanted = activeInstrumentationNames(config);
  const out: Instrumentation[] = [];
  for (const name of wanted) {
    try {
      const inst = build(name, config, pipeline);
      if (inst) out.push(...(Array.isArray(inst) ? inst : [inst]));
    } catch (err) {
      agentLog.warn(`instrumentation "${name}" could not be loaded (${(err as Error).message.split('\n')[0]}); continuing without it`);
    }
  }
  return out;
}

export function activeInstrumentationNames(config: AgentConfig): string[] {
  const disabled = new Set(config.standard.disabledInstrumentations);
  return [...new Set(config.standard.enabledInstrumentations)].filter((n) => !disabled.has(n));
}

const HANDLED_ELSEWHERE = new Set(['winston', 'runtime-node']);

function build(name: string, config: AgentConfig, pipeline: ProcessorPipeline): Instrumentation | Instrumentation[] | undefined {
  switch (name) {
    case 'http': {
      const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
      return new HttpInstrumentation({ ...pipeline.httpConfig });
    }
    case 'express': {
      // http.route comes from the agent's own route recorder; layer spans (noise and cost by default,
      // contrib#2453) come from upstream's instrumentation only when asked for.
      return createExpressInstrumentations({ layerSpans: config.tracing.expressLayerSpans });
    }
    case 'pg': {
      const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
      const pipelineHook = pipeline.pgConfig.requestHook;
      const pg = new PgInstrumentation({
        enhancedDatabaseReporting: false,
        ignoreConnectSpans: !config.tracing.pgPoolConnectSpans,
        ...pipeline.pgConfig,
        // The instrumentation records db.operation.name on its metric only; the span needs it too.
        requestHook: (span, info) => {
          const op = typeof info?.query?.text === 'string' ? sqlOperationName(info.query.text) : undefined;
          if (op) span.setAttribute(ATTR_DB_OPERATION_NAME, op);
          pipelineHook?.(span, info);
        },
      });
      if (config.metrics.pgMetrics) withoutMetrics(pg);
      return pg;
    }
    default: {
      if (HANDLED_ELSEWHERE.has(name)) return undefined;
      if (!(DEFAULT_INSTRUMENTATIONS as readonly string[]).includes(name)) {
        const mod = require(`@opentelemetry/instrumentation-${name}`) as Record<string, unknown>;
        const Ctor = Object.entries(mod).find(([k, v]) => k.endsWith('Instrumentation') && typeof v === 'function')?.[1] as
          | (new () => Instrumentation)
          | undefined;
        if (!Ctor) throw new Error(`@opentelemetry/instrumentation-${name} exports no *Instrumentation class`);
        return new Ctor();
      }
      return undefined;
    }
  }
}

const NOOP_METER_PROVIDER: MeterProvider = { getMeter: () => createNoopMeter() };

/**
 * For an instrumentation whose metrics the agent measures itself (pg: agent/metrics/pg-metrics.ts).
 * A view would drop them at export, but each record would still be hashed and stored first: the
 * contrib pg instrumentation records 7 points per pooled query (operation duration, and the
 * connection counters on every acquire and release). With a no-op meter they cost nothing.
 */
function withoutMetrics(instrumentation: Instrumentation): void {
  const setMeterProvider = instrumentation.setMeterProvider.bind(instrumentation);
  setMeterProvider(NOOP_METER_PROVIDER);
  // registerInstrumentations() hands every instrumentation the agent's provider afterwards.
  instrumentation.setMeterProvider = () => setMeterProvider(NOOP_METER_PROVIDER);
}
