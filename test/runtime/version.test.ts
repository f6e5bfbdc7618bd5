import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_VERSION } from '../../agent/runtime/version';

describe('agent version', () => {
  it('is the package version (run `npm run build` to regenerate agent/runtime/version.ts)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(AGENT_VERSION).toBe(pkg.version);
  });
});
