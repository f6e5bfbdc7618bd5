import { dirname, resolve } from 'node:path';
import { createNoopMeter, type MeterProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import { ATTR_DB_OPERATION_NAME } from '@opentelemetry/semantic-conventions';
import type { SettingsOf } from '../config';
import { agentLog } from '../runtime/agent-log';
import { DEFAULT_INSTRUMENTATIONS } from '../runtime/instrumentation-selection';
import { sqlOperationName } from '../runtime/sql-operation';
import { createExpressInstrumentations } from './express-route';
import type { tracingSettings } from './settings';

export type TracingConfig = SettingsOf<typeof tracingSettings>;

/** What the other concerns add to the tracing instrumentations (redaction, enrichment, filtering hooks). */
export interface InstrumentationHooks {
  readonly http: Partial<HttpInstrumentationConfig>;
  readonly pg: Partial<PgInstrumentationConfig>;
  /** The agent measures pg itself (agent/metrics): the contrib pg instrumentation records no metrics. */
  readonly pgMetricsReplaced: boolean;
}

/** Instrumentations that other concerns build (metrics: runtime-node; logs: winston). */
const BUILT_ELSEWHERE = new Set(['winston', 'runtime-node']);

/**
 * Builds only the instrumentations that are asked for. They patch modules as they are built
 * (require-in-the-middle decides once per module whether to patch it, so an instrumentation must be
 * enabled before anything requires its module); a start-up that fails later disables them again. The supported set is tuned here; any other
 * name is an opt-in: `@opentelemetry/instrumentation-<name>` is loaded when the app has it installed.
 */
export function createTracingInstrumentations(config: TracingConfig, active: ReadonlySet<string>, hooks: InstrumentationHooks): Instrumentation[] {
  const out: Instrumentation[] = [];
  for (const name of active) {
    try {
      const inst = build(name, config, hooks);
      if (Array.isArray(inst)) out.push(...inst);
      else if (inst) out.push(inst);
    } catch (err) {
      agentLog.warn(`instrumentation "${name}" could not be loaded (${(err as Error).message.split('\n')[0]}); continuing without it`);
    }
  }
  return out;
}

function build(name: string, config: TracingConfig, hooks: InstrumentationHooks): Instrumentation | Instrumentation[] | undefined {
  switch (name) {
    case 'http': {
      const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
      return new HttpInstrumentation({ ...hooks.http });
    }
    case 'express':
      // The route comes from the agent's own recorder; upstream's instrumentation only with layer spans on.
      return createExpressInstrumentations({ layerSpans: config.expressLayerSpans });
    case 'pg': {
      const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
      const requestHook = hooks.pg.requestHook;
      const pg = new PgInstrumentation({
        enhancedDatabaseReporting: false,
        ignoreConnectSpans: !config.pgPoolConnectSpans,
        ...hooks.pg,
        // The instrumentation records db.operation.name on its metric only; the span needs it too.
        requestHook: (span, info) => {
          const op = sqlOperationName(info?.query?.text);
          if (op) span.setAttribute(ATTR_DB_OPERATION_NAME, op);
          requestHook?.(span, info);
        },
      });
      if (hooks.pgMetricsReplaced) withoutMetrics(pg);
      return pg;
    }
    default: {
      if (BUILT_ELSEWHERE.has(name) || (DEFAULT_INSTRUMENTATIONS as readonly string[]).includes(name)) return undefined;
      const mod = require(resolveFromApp(`@opentelemetry/instrumentation-${name}`)) as Record<string, unknown>;
      const Ctor = Object.entries(mod).find(([k, v]) => k.endsWith('Instrumentation') && typeof v === 'function')?.[1] as
        | (new () => Instrumentation)
        | undefined;
      if (!Ctor) throw new Error(`@opentelemetry/instrumentation-${name} exports no *Instrumentation class`);
      return new Ctor();
    }
  }
}

/**
 * An opt-in instrumentation is installed by the app: looked up from the app's entry script and
 * working directory first (a monorepo or a bundled agent may not see the app's node_modules from
 * its own folder), then from the agent's.
 */
function resolveFromApp(id: string): string {
  const entry = process.argv[1];
  const paths = [...(entry ? [dirname(resolve(entry))] : []), process.cwd()];
  try {
    return require.resolve(id, { paths });
  } catch {
    return require.resolve(id);
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
