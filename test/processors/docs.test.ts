import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRules } from '../../agent/processors/rules/source';
import { processorsSettings } from '../../agent/processors/settings';

const doc = readFileSync(join(__dirname, '../../docs/redaction.md'), 'utf8');

describe('docs/redaction.md matches the rules and settings', () => {
  it('names every built-in pattern, key term, exact key and header', () => {
    for (const p of defaultRules.patterns) expect(doc, p.name).toContain(`\`${p.name}\``);
    for (const k of [...defaultRules.keys.contains, ...defaultRules.keys.exact]) expect(doc, k).toContain(`\`${k}\``);
    for (const q of defaultRules.queryParams.names) expect(doc, q).toContain(`\`${q}\``);
  });

  it('documents every setting of the processors concern', () => {
    for (const s of Object.values(processorsSettings)) {
      expect(doc, s.env).toContain(`\`${s.env}\``);
      expect(doc, s.file).toContain(`\`${s.file}\``);
    }
  });
});
