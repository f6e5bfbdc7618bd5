/**
 * The shape of an alert in alerts-src: one definition per alert name, one rule
 * per severity. scripts/generate-alert-rules.ts renders them to
 * collector-config/prometheus/rules/<group file>.yml.
 */
export type Severity = 'critical' | 'warning' | 'info';

export const RUNBOOK_BASE = 'https://github.com/otel-companion/otel-companion/blob/main/docs/runbooks.md';

/** The anchor GitHub generates for a `## Name` heading: lower case. */
export function runbookUrl(alertName: string): string {
  return `${RUNBOOK_BASE}#${alertName.toLowerCase()}`;
}

export interface AlertRuleVariant {
  severity: Severity;
  expr: string;
  for: string;
  summary: string;
  description: string;
  /** Extra annotations (e.g. BusinessEvent's count and traces_url). */
  annotations?: Record<string, string>;
}

export interface AlertDefinition {
  name: string;
  /** Why the expression looks the way it does (rendered as a YAML comment). */
  comment?: string;
  /** The `service` label: a template over the result's labels, or a fixed name. */
  service: string;
  rules: AlertRuleVariant[];
  /** One line for the runbook skeleton of a new alert. */
  means: string;
}

export interface RuleFile {
  /** rules/<file> */
  file: string;
  /** Prometheus rule group name. */
  group: string;
  /** File header comment (without the GENERATED line). */
  header: string;
  alerts: AlertDefinition[];
}

/** `{{ $labels.service_name }}`: the service label of application alerts. */
export const SERVICE_FROM_LABEL = '{{ $labels.service_name }}';

/** `service_name`, plus ` (instance)` when the series has a service_instance_id. */
export const SERVICE_AND_INSTANCE = '{{ $labels.service_name }}{{ with $labels.service_instance_id }} ({{ . }}){{ end }}';

/** Formats a ratio the way humanizePercentage does for round thresholds (0.05 -> 5%). */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

/** Formats seconds as Prometheus' humanizeDuration does for round thresholds (0.5 -> 500ms, 2 -> 2s). */
export function duration(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${seconds}s`;
}
