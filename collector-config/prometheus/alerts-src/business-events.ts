/**
 * BusinessEvent: notify on a business event. The event names come from
 * collector-config/prometheus/business-events.yaml (parsed and validated here).
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { SERVICE_FROM_LABEL, type AlertDefinition, type RuleFile } from './model';

// Event names become a PromQL regex alternation and a label value: keep them to
// letters, digits and . _ : - so a dot is the only character needing an escape.
const eventName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'event names are letters, digits and . _ : - (no spaces, no regex)');

const businessEventsConfigSchema = z
  .object({
    notifyOn: z.array(eventName).min(1, 'list at least one event name'),
    jaegerUiUrl: z.url({ protocol: /^https?$/ }),
    jaegerEventTag: z.string().min(1).optional(),
  })
  .strict();

export type BusinessEventsConfig = z.infer<typeof businessEventsConfigSchema>;

/** Parses and validates business-events.yaml; errors name the file, the line and the key. */
export function parseBusinessEventsConfig(text: string, sourceName: string): BusinessEventsConfig {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(`${sourceName}: invalid YAML: ${doc.errors[0].message}`);
  }
  const result = businessEventsConfigSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.map(String);
    const node = path.length > 0 ? doc.getIn(path, true) : undefined;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    const line = range ? `:${text.slice(0, range[0]).split('\n').length}` : '';
    throw new Error(`${sourceName}${line}: ${path.join('.') || '(root)'}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const name of result.data.notifyOn) {
    if (seen.has(name)) throw new Error(`${sourceName}: notifyOn: "${name}" is listed twice`);
    seen.add(name);
  }
  return result.data;
}

/** The Jaeger search link for one alert, as a Prometheus annotation template. */
function tracesUrlTemplate(config: BusinessEventsConfig): string {
  const base = `${config.jaegerUiUrl.replace(/\/+$/, '')}/search?service={{ $labels.service_name | urlquery }}&lookback=1h&limit=50`;
  if (!config.jaegerEventTag) return base;
  // tags={"<key>":"<event name>"}, URL-encoded; the key is fixed, the value is the alert's label.
  const key = encodeURIComponent(JSON.stringify(config.jaegerEventTag));
  return `${base}&tags=%7B${key}%3A%22{{ $labels.event_name | urlquery }}%22%7D`;
}

/**
 * Events in the window, as a whole number: increase() extrapolates to the
 * window's edges, so one event can read 1.25 (Prometheus 3's left-open
 * windows hold one sample fewer than 2.x's).
 */
const COUNT = '{{ $value | printf "%.0f" }}';

export function businessEventRules(config: BusinessEventsConfig): RuleFile {
  // A dot is the only regex metacharacter an event name may hold; in a PromQL
  // string the backslash itself is escaped.
  const alternation = config.notifyOn.map((name) => name.replaceAll('.', '\\\\.')).join('|');
  const selector = `app_events_total{event_name=~"${alternation}"}`;
  const businessEvent: AlertDefinition = {
    name: 'BusinessEvent',
    comment:
      'increase() cannot see the first event of a series (the counter is born at 1,\nthere is no earlier sample at 0), so a series that did not exist 5m ago\ncounts with its whole value.',
    service: SERVICE_FROM_LABEL,
    means: 'a service recorded one of the business events listed in business-events.yaml.',
    rules: [
      {
        severity: 'info',
        expr: `sum by (service_name, event_name, event_context) (\n    increase(${selector}[5m]) > 0\n  or\n    (${selector} unless ${selector} offset 5m)\n)`,
        for: '0s',
        summary: 'Business event {{ $labels.event_name }} in {{ $labels.service_name }}',
        // An event recorded without a context has no event_context label: no "in context" then.
        description: `{{ $labels.service_name }} recorded the business event {{ $labels.event_name }} (${COUNT} in the last 5 minutes){{ with $labels.event_context }} in context {{ . }}{{ end }}.`,
        annotations: { count: COUNT, traces_url: tracesUrlTemplate(config) },
      },
    ],
  };
  return {
    file: 'business-events.yml',
    group: 'otel-companion-business-events',
    header: `Generated from business-events.yaml: change that file, not this one.\nNotifies on: ${config.notifyOn.join(', ')}`,
    alerts: [businessEvent],
  };
}
