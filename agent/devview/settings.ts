import { bool, int, optionalText, text } from '../config/setting';

// Settings of the devview concern: the terminal tree view and the Web Debug Protocol
// "headers + API" transport (X-Http-Debug-Id / X-Http-Debug-Api, GET /_profile/?id=).
export const devviewSettings = {
  dev: bool({
    env: 'OTEL_COMPANION_DEV', file: 'devview.dev', default: false,
    description: 'Print each finished trace to stderr as an indented event tree (type, name, duration, success). Also turns the /_profile transport on, unless OTEL_COMPANION_PROFILE says otherwise.',
  }),
  profile: optionalText({
    env: 'OTEL_COMPANION_PROFILE', file: 'devview.profile', pattern: /^(1|0|true|false|yes|no|on|off)$/i, patternText: 'true or false (also 1/0, yes/no, on/off); unset follows OTEL_COMPANION_DEV',
    description: 'Web Debug Protocol transport: X-Http-Debug-Id/X-Http-Debug-Api headers on traced responses and GET /_profile/?id=<uuid>. Off by default; refused (403) under NODE_ENV=production unless OTEL_COMPANION_PROFILE_TOKEN is set and presented.',
  }),
  profileToken: optionalText({
    env: 'OTEL_COMPANION_PROFILE_TOKEN', file: 'devview.profileToken',
    description: 'When set, /_profile answers only requests presenting it in a header (X-Http-Debug-Token or Authorization: Bearer; never in the URL, where it would end up in access logs); the only way to use /_profile under NODE_ENV=production.',
  }),
  profilePath: text({
    env: 'OTEL_COMPANION_PROFILE_PATH', file: 'devview.profilePath', default: '/_profile/', pattern: /^\/[A-Za-z0-9._~\-/]*\/$/, patternText: 'a path starting and ending with /',
    description: 'Path of the profile API (the spec\'s example path).',
  }),
  profileMaxDocuments: int({
    env: 'OTEL_COMPANION_PROFILE_MAX_DOCUMENTS', file: 'devview.profileMaxDocuments', default: 200, min: 1, max: 100_000,
    description: 'Documents kept in memory for /_profile (oldest evicted first).',
  }),
  profileMaxBytes: int({
    env: 'OTEL_COMPANION_PROFILE_MAX_BYTES', file: 'devview.profileMaxBytes', default: 32 * 1024 * 1024, min: 1024,
    description: 'Total size of the documents kept for /_profile, in bytes (oldest evicted first).',
  }),
  profileTtlSeconds: int({
    env: 'OTEL_COMPANION_PROFILE_TTL_SECONDS', file: 'devview.profileTtlSeconds', default: 600, min: 1,
    description: 'How long a document stays available on /_profile (the spec recommends 10 minutes).',
  }),
  maxTreeEvents: int({
    env: 'OTEL_COMPANION_DEV_MAX_EVENTS', file: 'devview.maxTreeEvents', default: 200, min: 1,
    description: 'Events printed per trace in the dev tree view (the rest are counted).',
  }),
} as const;
