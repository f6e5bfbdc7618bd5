import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  businessEventsConfigPath,
  businessEventsRulesPath,
  parseBusinessEventsConfig,
  renderBusinessEventRules,
} from '../../scripts/generate-alert-rules';

const committedConfig = readFileSync(businessEventsConfigPath, 'utf8');

describe('BusinessEvent rule generated from business-events.yaml', () => {
  it('the committed rules/business-events.yml is what the generator makes (not stale)', () => {
    const expected = renderBusinessEventRules(parseBusinessEventsConfig(committedConfig, 'business-events.yaml'));
    const committed = readFileSync(businessEventsRulesPath, 'utf8');
    expect(committed, 'stale: run `npm run generate:alerts` and commit rules/business-events.yml').toBe(expected);
  });

  it('the default list is import-participants-failed', () => {
    const config = parseBusinessEventsConfig(committedConfig, 'business-events.yaml');
    expect(config.notifyOn).toEqual(['import-participants-failed']);
  });

  it('lists every event name in the selector, dots escaped', () => {
    const rules = renderBusinessEventRules({
      notifyOn: ['import-participants-failed', 'payment.refused'],
      jaegerUiUrl: 'http://jaeger.internal:16686/',
    });
    expect(rules).toContain('app_events_total{event_name=~"import-participants-failed|payment\\\\.refused"}');
    expect(rules).toContain('traces_url: http://jaeger.internal:16686/search?service=');
  });

  it('narrows the Jaeger link to the event when jaegerEventTag is set', () => {
    const rules = renderBusinessEventRules({
      notifyOn: ['x'],
      jaegerUiUrl: 'http://localhost:16686',
      jaegerEventTag: 'app.event.name',
    });
    expect(rules).toContain('&tags=%7B%22app.event.name%22%3A%22{{ $labels.event_name | urlquery }}%22%7D');
  });

  it('rejects bad input naming the file, line and key', () => {
    expect(() => parseBusinessEventsConfig('notifyOn:\n  - ok\n  - "has space"\njaegerUiUrl: http://x\n', 'be.yaml')).toThrow(
      /^be\.yaml:3: notifyOn\.1: event names are/,
    );
    expect(() => parseBusinessEventsConfig('notifyOn: []\njaegerUiUrl: http://x\n', 'be.yaml')).toThrow(/notifyOn: list at least one/);
    expect(() => parseBusinessEventsConfig('notifyOn: [a]\njaegerUiUrl: ftp://x\n', 'be.yaml')).toThrow(/be\.yaml:2: jaegerUiUrl/);
    expect(() => parseBusinessEventsConfig('notifyOn: [a]\njaegerUiUrl: http://x\nnotfyOn: [b]\n', 'be.yaml')).toThrow(/notfyOn/);
    expect(() => parseBusinessEventsConfig('notifyOn: [a, a]\njaegerUiUrl: http://x\n', 'be.yaml')).toThrow(/"a" is listed twice/);
    expect(() => parseBusinessEventsConfig('notifyOn: [a\n', 'be.yaml')).toThrow(/^be\.yaml: invalid YAML/);
  });
});
