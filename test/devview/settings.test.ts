import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/bootstrap/load-config';
import { profileEnabled } from '../../agent/devview';

describe('devview settings', () => {
  const cfg = (env: Record<string, string>) => loadConfig(env);
  it('keeps the tree view and /_profile off by default', () => {
    const { config, problems } = cfg({});
    expect(problems).toEqual([]);
    expect(config.devview.dev).toBe(false);
    expect(profileEnabled(config.devview)).toBe(false);
  });
  it('turns /_profile on with OTEL_COMPANION_DEV unless OTEL_COMPANION_PROFILE says otherwise', () => {
    expect(profileEnabled(cfg({ OTEL_COMPANION_DEV: '1' }).config.devview)).toBe(true);
    expect(profileEnabled(cfg({ OTEL_COMPANION_DEV: '1', OTEL_COMPANION_PROFILE: 'off' }).config.devview)).toBe(false);
    expect(profileEnabled(cfg({ OTEL_COMPANION_PROFILE: 'yes' }).config.devview)).toBe(true);
  });
  it('reports bad values with the variable name and uses the default', () => {
    const { config, problems } = cfg({ OTEL_COMPANION_PROFILE: 'maybe', OTEL_COMPANION_PROFILE_PATH: 'no-slash', OTEL_COMPANION_PROFILE_TTL_SECONDS: '0' });
    expect(problems.map((p) => p.where).sort()).toEqual(['OTEL_COMPANION_PROFILE', 'OTEL_COMPANION_PROFILE_PATH', 'OTEL_COMPANION_PROFILE_TTL_SECONDS']);
    expect(config.devview.profilePath).toBe('/_profile/');
    expect(config.devview.profileTtlSeconds).toBe(600);
    expect(profileEnabled(config.devview)).toBe(false);
  });
  it('accepts the token and tunables', () => {
    const { config, problems } = cfg({ OTEL_COMPANION_PROFILE_TOKEN: ' s3cret ', OTEL_COMPANION_PROFILE_MAX_DOCUMENTS: '5', OTEL_COMPANION_PROFILE_PATH: '/__debug/' });
    expect(problems).toEqual([]);
    expect(config.devview).toMatchObject({ profileToken: 's3cret', profileMaxDocuments: 5, profilePath: '/__debug/' });
  });
});
