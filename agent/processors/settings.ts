import { bool, defineSetting, keyValues, list, optionalText, SettingError, type Setting } from '../config/setting';

/**
 * Free-form rule specs (redaction patterns) are accepted as given and parsed item by item when the
 * rules are compiled: a broken item is reported and skipped on its own, and the other items still
 * apply. The settings layer would otherwise reject the whole value and fall back to the default.
 */
function ruleSpec(base: { env: string; file: string; description: string; accepts: string }): Setting<string | string[]> {
  return defineSetting<string | string[]>({
    ...base, default: '',
    parse: (raw) => {
      if (typeof raw === 'string') return raw.trim();
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw.map((item) => item.trim());
      throw new SettingError('neither text nor a list of texts');
    },
  });
}

// Lists whose items are plain names: kept loose (any characters but commas) so that header and
// attribute names of every shape are accepted.
const NAME = /^[^,\s][^,]*$/;

export const processorsSettings = {
  redaction: bool({
    env: 'OTEL_COMPANION_REDACTION', file: 'redaction.enabled', default: true,
    description: 'Redact secrets and personal data from spans, span events, log records and business-event meta before export. Turning it off is for debugging only.',
  }),
  redactKeys: list({
    env: 'OTEL_COMPANION_REDACT_KEYS', file: 'redaction.keys', default: [], item: NAME, itemText: 'key names',
    description: 'Extra sensitive key names (matched case-insensitively, ignoring - _ . and spaces, at any depth; a key containing the name is masked). `-name` removes a default term, `=name` masks only keys equal to name.',
  }),
  redactPatterns: ruleSpec({
    env: 'OTEL_COMPANION_REDACT_PATTERNS', file: 'redaction.patterns',
    accepts: 'comma-separated items: name (turn a built-in pattern on), -name (turn it off), -all, or name=/regex/ (a pattern of your own)',
    description: 'Switch the free-text patterns (bearer, jwt, aws_access_key, pem_private_key, email, card_number, ...) on or off, or add your own. An item that cannot be parsed is reported at start-up and skipped; the other rules still apply.',
  }),
  redactQueryParams: list({
    env: 'OTEL_COMPANION_REDACT_QUERY_PARAMS', file: 'redaction.queryParams', default: [], item: NAME, itemText: 'query parameter names',
    description: 'Extra query parameter names whose values are masked in url.full, url.query and friends.',
  }),
  sqlLiterals: bool({
    env: 'OTEL_COMPANION_REDACT_SQL_LITERALS', file: 'redaction.sqlLiterals', default: true,
    description: 'Replace literals in db.query.text / db.statement by ? (strings, numbers, IN lists, dollar-quoted strings). Statements with $1 placeholders keep their text.',
  }),
  dbRecordParameters: bool({
    env: 'OTEL_COMPANION_DB_RECORD_PARAMETERS', file: 'redaction.dbRecordParameters', default: false,
    description: 'Record bound query parameter values (pg: db.postgresql.values). Off by default; when on, every value still goes through redaction.',
  }),
  headerAttributes: keyValues({
    env: 'OTEL_COMPANION_HEADER_ATTRIBUTES', file: 'enrichment.headerAttributes', default: { 'x-tenant-id': 'tenant.id' },
    description: 'Incoming request headers copied to server span attributes, as header=attribute pairs (e.g. x-tenant-id=tenant.id). Values are redacted like any attribute.',
  }),
  captureHeaders: list({
    env: 'OTEL_COMPANION_CAPTURE_HEADERS', file: 'enrichment.captureHeaders', default: [], item: NAME, itemText: 'header names',
    description: 'HTTP headers recorded as http.request.header.<name> / http.response.header.<name> on server and client spans (the instrumentation\'s headersToSpanAttributes, settable from env). Authorization, Cookie, Set-Cookie and Proxy-Authorization are always masked.',
  }),
  deploymentEnvironment: optionalText({
    env: 'OTEL_COMPANION_DEPLOYMENT_ENVIRONMENT', file: 'enrichment.deploymentEnvironment',
    description: 'deployment.environment.name on every signal; falls back to NODE_ENV. OTEL_RESOURCE_ATTRIBUTES wins when it sets the attribute.',
  }),
  ignoreRoutes: list({
    env: 'OTEL_COMPANION_IGNORE_ROUTES', file: 'filtering.ignoreRoutes', default: ['/health', '/health/*', '/ready', '/metrics'], item: /^(\/\S*|none)$/, itemText: 'paths starting with / (a trailing /* matches everything below), or none',
    description: 'Incoming requests to these paths are not traced: the whole trace, children included, is dropped in the sampler. `none` traces every path.',
  }),
} as const;
