import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorRegexes, renderCollectorRedaction } from '../../agent/processors/rules/collector-stage';
import { defaultRules, expandKeyTerms } from '../../agent/processors/rules/source';
import { parse } from 'yaml';
import { requireBinary } from '../alerting/binaries';

const root = join(__dirname, '../..');
// The collector's regexes are RE2: only Go's regexp package can say whether they compile.
const go = requireBinary('go', 'install Go >= 1.25 (https://go.dev/dl/); the native stack is built with it too');
const committed = readFileSync(join(root, 'collector-config/otelcol/redaction.yaml'), 'utf8');

describe('collector redaction stage generated from the agent rules', () => {
  it('the committed redaction.yaml is what the generator writes (else run npm run generate:redaction)', () => {
    expect(committed).toBe(renderCollectorRedaction());
  });

  it('defines the processors pipelines.yaml expects: redaction, and redaction/metrics with the same rules and no summary', () => {
    // merge: redaction/metrics takes the rules from redaction by a YAML merge key, as the collector reads it.
    const doc = parse(committed, { merge: true }) as { processors: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.processors)).toEqual(['redaction', 'redaction/metrics']);
    const r = doc.processors.redaction!;
    expect(r.allow_all_keys).toBe(true);
    expect(Object.keys(r).sort()).toEqual(
      ['allow_all_keys', 'blocked_key_patterns', 'blocked_values', 'db_sanitizer', 'ignored_keys', 'redact_all_types', 'summary'].sort(),
    );
    expect(r.summary).toBe('info');
    const { summary, ...rules } = doc.processors['redaction/metrics']!;
    expect(summary).toBe('silent');
    expect(rules).toEqual((({ summary: _, ...rest }) => rest)(r));
  });

  it('carries every enabled agent pattern and every key term', () => {
    const regexes = collectorRegexes(committed);
    for (const p of defaultRules.patterns.filter((x) => x.enabled !== false)) {
      expect(regexes).toContain(`(?i)${expandKeyTerms(p.collectorRegex ?? p.regex, defaultRules.keys.contains)}`);
    }
    for (const t of defaultRules.keys.contains) expect(regexes[0]).toContain(t.split('_')[0]);
  });

  it('every regex compiles in JavaScript and matches its own kind of secret', () => {
    const regexes = collectorRegexes(committed).filter((r) => r.startsWith('(?i)'));
    for (const r of regexes) expect(() => new RegExp(r.slice(4), 'i')).not.toThrow();
    const values = (parse(committed) as { processors: { redaction: { blocked_values: string[] } } }).processors.redaction.blocked_values;
    const hit = (s: string) => values.some((v) => new RegExp(v.slice(4), 'i').test(s));
    expect(hit('Authorization: Bearer abcdefgh12345678')).toBe(true);
    expect(hit('4111 1111 1111 1111')).toBe(true);
    expect(hit('https://x.test/?access_token=abc')).toBe(true);
    expect(hit('nothing to see here')).toBe(false);
  });

  it.runIf(go.shouldRun)('every regex compiles in Go RE2 (the collector refuses to start otherwise)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redaction-re2-'));
    writeFileSync(join(dir, 'main.go'), `package main
import ("encoding/json"; "fmt"; "os"; "regexp")
func main() {
  var list []string
  if err := json.NewDecoder(os.Stdin).Decode(&list); err != nil { panic(err) }
  bad := 0
  for _, r := range list { if _, err := regexp.Compile(r); err != nil { fmt.Println(r, err); bad++ } }
  os.Exit(bad)
}
`);
    const out = execFileSync(go.require(), ['run', join(dir, 'main.go')], {
      input: JSON.stringify(collectorRegexes(committed)), env: { ...process.env, GO111MODULE: 'off' }, encoding: 'utf8',
    });
    expect(out).toBe('');
  }, 120_000);
});
