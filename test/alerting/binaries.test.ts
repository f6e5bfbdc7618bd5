import { afterEach, describe, expect, it, vi } from 'vitest';

// The skip/fail policy for missing binaries: loud skip on a dev machine, failure on CI (any truthy CI).
describe('requireBinary', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
    vi.restoreAllMocks();
  });

  it('missing on a dev machine: the suite is skipped with a loud message', async () => {
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { requireBinary } = await import('./binaries.js');
    const binary = requireBinary('no-such-binary-otel-companion', 'apt-get install nothing');
    expect(binary.shouldRun).toBe(false);
    expect(warn.mock.calls.join('\n')).toMatch(/SKIPPED: no-such-binary-otel-companion is not installed/);
  });

  it.each(['true', '1', 'yes', 'TRUE'])('missing under CI=%s: the suite runs and fails naming the binary and the install hint', async (ci) => {
    vi.stubEnv('CI', ci);
    const { requireBinary } = await import('./binaries.js');
    const binary = requireBinary('no-such-binary-otel-companion', 'apt-get install nothing');
    expect(binary.shouldRun).toBe(true);
    expect(() => binary.require()).toThrow(/no-such-binary-otel-companion is required on CI.*apt-get install nothing/);
  });

  it('present: returns its path', async () => {
    const { requireBinary } = await import('./binaries.js');
    const binary = requireBinary('sh', 'part of the OS');
    expect(binary.shouldRun).toBe(true);
    expect(binary.require()).toMatch(/\/sh$/);
  });
});
