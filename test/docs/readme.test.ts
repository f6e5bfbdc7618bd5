import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceSettingsBlock } from '../../agent/bootstrap/settings-table';
import { settingsRegistry } from '../../agent/bootstrap/settings-registry';

const root = path.resolve(__dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the two set-up commands', () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)![1];
    expect(firstBlock).toContain('npm ci && npm run demo');
    expect(firstBlock).toContain('npm test');
    expect(readme.indexOf('```sh')).toBeLessThan(200);
  });

  it('has a current settings table (run `npm run generate:readme`)', () => {
    expect(replaceSettingsBlock(readme)).toBe(readme);
  });

  it('documents every setting', () => {
    for (const section of Object.values(settingsRegistry)) {
      for (const s of Object.values(section) as Array<{ env?: string }>) if (s.env) expect(readme).toContain(`\`${s.env}\``);
    }
  });

  it('.ci/run runs the README test command', () => {
    const ci = fs.readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
  });
});
