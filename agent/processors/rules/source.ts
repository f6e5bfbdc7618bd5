import defaultRulesJson from './default-rules.json';

/** How a pattern's match is replaced. */
export type MaskKind = 'full' | 'email' | 'keep_first_word' | 'keep_first_group';

export interface PatternSource {
  readonly name: string;
  readonly description: string;
  /** Valid in JavaScript and Go RE2; matched case-insensitively. */
  readonly regex: string;
  readonly mask: MaskKind;
  /** Extra check on a match before it is masked (the collector cannot run it). */
  readonly validate?: 'luhn';
  /** Off unless switched on with OTEL_COMPANION_REDACT_PATTERNS. */
  readonly enabled?: boolean;
  /** A stricter regex for the collector, where `validate` cannot run. */
  readonly collectorRegex?: string;
  /**
   * A faster form for the agent, anchored on a rare character instead of a broad class (the e-mail
   * pattern starts at the @ and its mask extends back over the local part). Same matches.
   */
  readonly agentRegex?: string;
  /**
   * Implemented in code by the agent instead of `regex`: `assignment` looks at every : and =, and
   * masks the value when the key before it is sensitive by the key rules (user additions included).
   */
  readonly agent?: 'assignment';
}

/** The `regex` of a pattern with KEY_TERMS expanded (an _ in a term: a separator or none). */
export function expandKeyTerms(regex: string, terms: readonly string[]): string {
  return regex.split('KEY_TERMS').join(terms.map((t) => t.split('_').map(escapeRegex).join('[-_. ]?')).join('|'));
}

/** The shape of default-rules.json: the one source of the agent's and the collector's rules. */
export interface RuleSource {
  readonly mask: string;
  readonly keys: {
    readonly contains: readonly string[];
    readonly exact: readonly string[];
    readonly allow: readonly string[];
    /** Never scanned: enumerations, addresses, numbers. */
    readonly safe: readonly string[];
  };
  readonly headers: { readonly names: readonly string[] };
  readonly queryParams: { readonly names: readonly string[] };
  readonly urlAttributes: readonly string[];
  readonly sqlAttributes: readonly string[];
  readonly dbParameterAttributes: readonly string[];
  readonly patterns: readonly PatternSource[];
}

export const defaultRules: RuleSource = defaultRulesJson as RuleSource;

/** Lower-cases and drops the separators people put in key names (api_key, api-key, apiKey, API.Key). */
export function normalizeKey(key: string): string {
  let out = '';
  const lower = key.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    // - _ . space
    if (c === 45 || c === 95 || c === 46 || c === 32) continue;
    out += lower[i];
  }
  return out;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
