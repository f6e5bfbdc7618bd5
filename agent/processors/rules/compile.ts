import { Scanner, passesLuhn, type ScanRule } from './scanner';
import { defaultRules, escapeRegex, normalizeKey, type PatternSource, type RuleSource } from './source';
import { SqlMasker } from './sql';

/** What the user asked for on top of the default rules (from settings). */
export interface RuleOptions {
  /** Extra key terms; `-term` removes a default term, `=name` adds an exact name. */
  readonly keys?: readonly string[];
  /** Pattern spec: a comma-separated string or a list of items (see parsePatternSpec). */
  readonly patterns?: string | readonly string[];
  readonly queryParams?: readonly string[];
  readonly sqlLiterals?: boolean;
  /** Strings longer than this are truncated (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT). */
  readonly valueLengthLimit?: number;
}

/** A rule the user gave that could not be used. Reported once at start-up; the other rules apply. */
export interface RuleProblem {
  readonly where: string;
  readonly item: string;
  readonly reason: string;
}

/** How an attribute is treated, decided once per key name and cached. */
export const KeyKind = { Text: 0, Sensitive: 1, Url: 2, Sql: 3, DbParameters: 4, Skip: 5, Stack: 6 } as const;
export type KeyKind = (typeof KeyKind)[keyof typeof KeyKind];

export interface CompiledRules {
  readonly mask: string;
  readonly valueLengthLimit: number;
  readonly text: Scanner;
  readonly url: Scanner;
  readonly sql: SqlMasker;
  /** Names of the patterns in effect, for docs and diagnostics. */
  readonly patternNames: readonly string[];
  readonly problems: readonly RuleProblem[];
  keyKind(key: string): KeyKind;
  isSensitiveKey(key: string): boolean;
}

const VALIDATORS: Record<string, (match: string) => boolean> = { luhn: passesLuhn };

/**
 * Parses the pattern spec: `name` switches a built-in on, `-name` off, `-all` turns every built-in
 * off, `name=/regex/flags` adds one. A comma inside /regex/ does not split items.
 */
export function parsePatternSpec(spec: string | readonly string[]): string[] {
  if (Array.isArray(spec)) return spec.map((s) => String(s).trim()).filter(Boolean);
  const text = spec as string;
  const items: string[] = [];
  let i = 0;
  while (i < text.length) {
    let j = i;
    // name part
    while (j < text.length && text[j] !== ',' && text[j] !== '=') j++;
    if (text[j] === '=' && text[j + 1] === '/') {
      // regex part: up to the closing unescaped slash
      let k = j + 2;
      let inClass = false;
      for (; k < text.length; k++) {
        const c = text[k];
        if (c === '\\') { k++; continue; }
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
        else if (c === '/' && !inClass) break;
      }
      k++;
      while (k < text.length && text[k] !== ',') k++;
      j = k;
    } else {
      while (j < text.length && text[j] !== ',') j++;
    }
    const item = text.slice(i, j).trim();
    if (item) items.push(item);
    i = j + 1;
  }
  return items;
}

function resolvePatterns(source: RuleSource, spec: string | readonly string[] | undefined, problems: RuleProblem[], isSensitiveKey: (key: string) => boolean): ScanRule[] {
  const builtIn = new Map<string, PatternSource>(source.patterns.map((p) => [p.name, p]));
  const on = new Set(source.patterns.filter((p) => p.enabled !== false).map((p) => p.name));
  const custom: ScanRule[] = [];
  for (const item of spec ? parsePatternSpec(spec) : []) {
    const eq = item.indexOf('=');
    if (eq > 0) {
      const name = item.slice(0, eq).trim();
      const body = item.slice(eq + 1).trim();
      const m = /^\/(.*)\/([a-z]*)$/s.exec(body);
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
        problems.push({ where: 'OTEL_COMPANION_REDACT_PATTERNS', item, reason: 'a pattern name is letters, digits, _ and -' });
        continue;
      }
      if (!m) {
        problems.push({ where: 'OTEL_COMPANION_REDACT_PATTERNS', item, reason: 'expected name=/regex/' });
        continue;
      }
      const regex = m[1]!;
      if (m[2] && /[^i]/.test(m[2])) {
        problems.push({ where: 'OTEL_COMPANION_REDACT_PATTERNS', item, reason: `flags "${m[2]}" are not supported (patterns always match case-insensitively)` });
        continue;
      }
      try {
        new RegExp(regex, 'gi');
        if (new RegExp(regex, 'i').test('')) throw new Error('it matches the empty string');
      } catch (err) {
        problems.push({ where: 'OTEL_COMPANION_REDACT_PATTERNS', item, reason: `cannot compile: ${(err as Error).message}` });
        continue;
      }
      custom.push({ name, regex, mask: 'full' });
      continue;
    }
    const off = item.startsWith('-');
    const name = item.replace(/^[-+]/, '');
    if (name === 'all') {
      if (off) on.clear();
      else for (const p of source.patterns) on.add(p.name);
      continue;
    }
    if (!builtIn.has(name)) {
      problems.push({ where: 'OTEL_COMPANION_REDACT_PATTERNS', item, reason: `unknown pattern; built-in ones are ${[...builtIn.keys()].join(', ')}` });
      continue;
    }
    if (off) on.delete(name);
    else on.add(name);
  }
  const out: ScanRule[] = [];
  for (const p of source.patterns) {
    if (!on.has(p.name)) continue;
    if (p.agent === 'assignment') {
      out.push({ name: p.name, regex: '[:=]', mask: p.mask, assignment: true, accept: isSensitiveKey });
      continue;
    }
    out.push({ name: p.name, regex: p.agentRegex ?? p.regex, mask: p.mask, validate: p.validate ? VALIDATORS[p.validate] : undefined, extendsBack: p.agentRegex !== undefined && p.mask === 'email' });
  }
  return [...out, ...custom];
}

export function compileRules(options: RuleOptions = {}, source: RuleSource = defaultRules): CompiledRules {
  const problems: RuleProblem[] = [];
  const contains = new Set(source.keys.contains.map(normalizeKey));
  const exact = new Set(source.keys.exact.map(normalizeKey));
  for (const raw of options.keys ?? []) {
    const item = raw.trim();
    if (!item) continue;
    if (item.startsWith('-')) {
      const k = normalizeKey(item.slice(1));
      if (!contains.delete(k) && !exact.delete(k)) problems.push({ where: 'OTEL_COMPANION_REDACT_KEYS', item, reason: 'not a default key term' });
    } else if (item.startsWith('=')) {
      const k = normalizeKey(item.slice(1));
      if (k) exact.add(k);
    } else {
      const k = normalizeKey(item);
      if (k) contains.add(k);
      else problems.push({ where: 'OTEL_COMPANION_REDACT_KEYS', item, reason: 'empty after removing - _ . and spaces' });
    }
  }
  const containsList = [...contains];
  const allow = new Set(source.keys.allow);
  const safe = new Set(source.keys.safe);
  const headerAttrs = new Set<string>();
  for (const h of source.headers.names) {
    headerAttrs.add(`http.request.header.${h}`);
    headerAttrs.add(`http.response.header.${h}`);
  }
  const urlAttrs = new Set(source.urlAttributes);
  const sqlAttrs = new Set(source.sqlAttributes);
  const paramAttrs = new Set(source.dbParameterAttributes);

  // One regex over the raw key replaces normalising it and looping over the terms: each term may
  // have a separator (- _ . space) between any two of its letters, as normalizeKey would drop it.
  const SEP = '[-_. ]?';
  const spread = (t: string) => [...t].map(escapeRegex).join(SEP);
  const containsRe = containsList.length ? new RegExp(containsList.map(spread).join('|'), 'i') : undefined;
  const exactRe = exact.size ? new RegExp(`(?:^|\\.)[-_ ]*(?:${[...exact].map(spread).join('|')})[-_ ]*$`, 'i') : undefined;
  const isSensitiveKey = (key: string): boolean => {
    if (allow.has(key)) return false;
    if (containsRe?.test(key)) return true;
    if (exactRe?.test(key)) return true;
    return key.length > 19 && headerAttrs.has(key.toLowerCase());
  };

  // The decision per key is cached: attribute names repeat on every span. Bounded so that apps
  // that put ids into key names cannot grow it without limit.
  const cache = new Map<string, KeyKind>();
  const keyKind = (key: string): KeyKind => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let kind: KeyKind = KeyKind.Text;
    if (safe.has(key)) kind = KeyKind.Skip;
    else if (isSensitiveKey(key)) kind = KeyKind.Sensitive;
    else if (urlAttrs.has(key)) kind = KeyKind.Url;
    else if (sqlAttrs.has(key)) kind = KeyKind.Sql;
    else if (paramAttrs.has(key) || key.startsWith('db.query.parameter.')) kind = KeyKind.DbParameters;
    else if (key === 'exception.stacktrace' || key === 'stack') kind = KeyKind.Stack;
    if (cache.size >= 4096) cache.clear();
    cache.set(key, kind);
    return kind;
  };

  const textRules = resolvePatterns(source, options.patterns, problems, isSensitiveKey);
  const mask = source.mask;

  // Query parameters: by exact name, or any name that contains a sensitive key term. Decided in
  // code (one cheap regex finds every `name=`), so the URL scan stays fast however long the lists.
  const paramNames = new Set([...source.queryParams.names, ...(options.queryParams ?? [])].map((n) => n.toLowerCase()));
  const containsTerm = (name: string): boolean => containsRe !== undefined && containsRe.test(name);
  const queryRule: ScanRule = {
    name: 'query_param',
    regex: String.raw`(?:^|[?&;])([^=&#?/\s]{1,64})=`,
    mask: 'keep_first_group',
    url: 'query_param',
    accept: (name) => paramNames.has(name.toLowerCase()) || (!allow.has(name) && containsTerm(name)),
  };
  // A path segment right after one that names a secret (/password-reset/<token>, /sessions/<id>):
  // what odd routes leak when no route matched and the raw path is all there is.
  const PATH_WORDS = /reset|verify|confirm|invite|magic|unsubscribe/i;
  const pathRule: ScanRule = {
    name: 'path_secret',
    regex: String.raw`/([^/?#\s]{1,64})/`,
    mask: 'keep_first_group',
    url: 'path_segment',
    accept: (segment) => containsTerm(segment) || PATH_WORDS.test(segment),
  };
  const text = new Scanner(textRules, mask);
  const url = new Scanner([queryRule, pathRule, ...textRules], mask);
  const sql = new SqlMasker(textRules, mask, options.sqlLiterals !== false);

  return {
    mask,
    valueLengthLimit: Math.max(32, options.valueLengthLimit ?? 8192),
    text,
    url,
    sql,
    patternNames: textRules.map((r) => r.name),
    problems,
    keyKind,
    isSensitiveKey,
  };
}
