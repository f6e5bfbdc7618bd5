/**
 * Every alert of the otel-companion stack, by rule file: the one source of
 * collector-config/prometheus/rules/*.yml (npm run generate:alerts).
 */
import { businessEventRules, type BusinessEventsConfig } from './business-events';
import { collectorRules } from './collector';
import { databaseRules } from './database';
import { httpRules } from './http';
import type { RuleFile } from './model';
import { nodejsRuntimeRules } from './nodejs-runtime';
import { telemetryRules } from './telemetry';

export function ruleFiles(businessEvents: BusinessEventsConfig): RuleFile[] {
  return [httpRules, databaseRules, nodejsRuntimeRules, telemetryRules, collectorRules, businessEventRules(businessEvents)];
}

export { parseBusinessEventsConfig, type BusinessEventsConfig } from './business-events';
export type { AlertDefinition, RuleFile } from './model';
