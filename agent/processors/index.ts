import type { Attributes } from '@opentelemetry/api';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import type { PgInstrumentationConfig } from '@opentelemetry/instrumentation-pg';
import { ATTR_DEPLOYMENT_ENVIRONMENT_NAME } from '@opentelemetry/semantic-conventions';
import type { SettingsOf } from '../config';
import { agentLog } from '../runtime/agent-log';
import type { processorsSettings } from './settings';
import { compileRules, type CompiledRules, type RuleProblem } from './rules/compile';
import { defaultRules } from './rules/source';
import { Redactor } from './redactor';
import { CollectorMatcher, FilteringSampler, RouteMatcher } from './filtering';
import { capturedHeaders, headerAttributesHook } from './enrichment';
import { RedactingLogRecordProcessor, RedactingSpanProcessor } from './signal-processors';

/**
 * Redaction, enrichment and filtering of every signal, from one set of rules compiled once at
 * start-up. Spans, span events, log records and business-event meta all go through the same
 * Redactor, so that no signal can be forgotten.
 */
export interface ProcessorPipeline {
  /** Drops whole traces for filtered routes and calls to the collector itself. */
  wrapSampler(base: Sampler): Sampler;
  /**
   * Puts redaction in front of every span processor that can see a span (export, dev view): each
   * span is redacted once, and one that cannot be redacted reaches none of them.
   */
  wrapSpanProcessors(next: SpanProcessor[]): SpanProcessor[];
  /** The same for log records. */
  wrapLogRecordProcessors(next: LogRecordProcessor[]): LogRecordProcessor[];
  /** Redacts any value (business-event meta, log fields) and returns a copy. Never throws. */
  redact(value: unknown): unknown;
  /** Extra options for the http instrumentation (header capture, enrichment, ignore hooks). */
  readonly httpConfig: Partial<HttpInstrumentationConfig>;
  /** Extra options for the pg instrumentation. */
  readonly pgConfig: Partial<PgInstrumentationConfig>;
  /** Resource attributes from enrichment settings (deployment.environment.name). */
  readonly resourceAttributes: Attributes;
  /** The compiled rules, or undefined when redaction is off. */
  readonly rules: CompiledRules | undefined;
}

export type ProcessorsConfig = SettingsOf<typeof processorsSettings>;

export interface PipelineContext {
  /** Export URLs of this agent: calls to them are never traced. */
  readonly collectorUrls: readonly string[];
  /** OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: redaction never makes a value longer than this. */
  readonly attributeValueLengthLimit: number;
  /** The process resource detector runs: its command line is redacted too. */
  readonly processDetector: boolean;
  /** OTEL_RESOURCE_ATTRIBUTES: an environment set there is not overridden. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** Environment (for NODE_ENV); defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export function formatRuleProblem(p: RuleProblem): string {
  return `invalid ${p.where} item ${JSON.stringify(p.item)} (${p.reason}); this rule is skipped, the other redaction rules apply`;
}

// Copied rather than imported from the unstable incubating entry point, as semconv advises.
const ATTR_PROCESS_COMMAND_ARGS = 'process.command_args';

/** `--password=x` and `--token x`: each argument is scanned; a flag that names a secret masks the next one. */
export function redactCommandLine(redactor: Redactor, args: readonly string[]): string[] {
  const out: string[] = [];
  let maskNext = false;
  for (const arg of args) {
    if (maskNext && !arg.startsWith('-')) {
      out.push(redactor.rules.mask);
      maskNext = false;
      continue;
    }
    const flag = /^--?([A-Za-z][\w.-]*)$/.exec(arg);
    maskNext = flag !== null && redactor.rules.isSensitiveKey(flag[1]!);
    out.push(redactor.text(arg));
  }
  return out;
}

export function createProcessorPipeline(p: ProcessorsConfig, ctx: PipelineContext): ProcessorPipeline {
  const env = ctx.env ?? process.env;

  let rules: CompiledRules | undefined;
  let redactor: Redactor | undefined;
  if (p.redaction) {
    rules = compileRules({
      keys: p.redactKeys,
      patterns: p.redactPatterns,
      queryParams: p.redactQueryParams,
      sqlLiterals: p.sqlLiterals,
      valueLengthLimit: ctx.attributeValueLengthLimit,
    });
    for (const problem of rules.problems) agentLog.always(formatRuleProblem(problem));
    redactor = new Redactor(rules);
  } else {
    agentLog.always('redaction is OFF (OTEL_COMPANION_REDACTION=false): secrets in telemetry are exported as they are');
  }

  const routes = new RouteMatcher(p.ignoreRoutes);
  const collector = new CollectorMatcher(ctx.collectorUrls);

  // A first line of defence inside the instrumentation (exact, case-sensitive names); the span
  // processor then applies the full, case-insensitive rules. One list, built once, for client and
  // server spans: without the server option the instrumentation copies its own default list on
  // every incoming request.
  const queryParams = redactor ? [...defaultRules.queryParams.names, ...p.redactQueryParams, 'Signature', 'sig'] : undefined;
  const httpConfig: Partial<HttpInstrumentationConfig> = {
    ...(queryParams ? { redactedQueryParams: queryParams, redactedQueryParamsServer: queryParams } : {}),
    ignoreOutgoingRequestHook: (options) => collector.matchesRequest(options),
  };
  const hook = headerAttributesHook(p.headerAttributes);
  if (hook) httpConfig.startIncomingSpanHook = hook;
  const headers = capturedHeaders(p.captureHeaders);
  if (headers) httpConfig.headersToSpanAttributes = headers;

  const resourceAttributes: Attributes = {};
  if (redactor && ctx.processDetector) {
    // The process detector records the command line; `--db-password=…` must not ride along on
    // every signal. Same value the detector builds, redacted; set only when something changed.
    const args = [process.argv[0] ?? '', ...process.execArgv, ...process.argv.slice(1)];
    const redacted = redactCommandLine(redactor, args);
    if (redacted.some((a, i) => a !== args[i])) resourceAttributes[ATTR_PROCESS_COMMAND_ARGS] = redacted;
  }
  const environment = p.deploymentEnvironment ?? env.NODE_ENV?.trim();
  if (environment && ctx.resourceAttributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] === undefined) {
    resourceAttributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = environment;
  }

  return {
    wrapSampler: (base) => new FilteringSampler(base, routes, collector),
    wrapSpanProcessors: (next) => (redactor && next.length ? [new RedactingSpanProcessor(next, redactor)] : next),
    wrapLogRecordProcessors: (next) => (redactor && next.length ? [new RedactingLogRecordProcessor(next, redactor)] : next),
    redact: (value) => (redactor ? redactor.value(value) : value),
    httpConfig,
    pgConfig: { enhancedDatabaseReporting: p.dbRecordParameters },
    resourceAttributes,
    rules,
  };
}

export { compileRules, type CompiledRules, type RuleProblem } from './rules/compile';
export { Redactor } from './redactor';
