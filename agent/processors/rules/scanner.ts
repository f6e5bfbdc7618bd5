import type { MaskKind } from './source';

/** One alternative of a combined scanner. */
export interface ScanRule {
  readonly name: string;
  readonly regex: string;
  readonly mask: MaskKind;
  readonly validate?: (match: string) => boolean;
  /** The match starts at an @ and the mask reaches back over the e-mail's local part. */
  readonly extendsBack?: boolean;
  /**
   * URL rules decided in code rather than in the regex (a long alternation of names is slow):
   * the regex's first group is a query parameter name (`name=`) or a path segment (`/segment/`);
   * when `accept(name)` holds, the value that follows is masked.
   */
  readonly url?: 'query_param' | 'path_segment';
  /** `key: value` / `key=value` in free text: the regex matches the : or =, `accept(key)` decides. */
  readonly assignment?: boolean;
  readonly accept?: (name: string) => boolean;
}

interface CompiledAlternative {
  readonly rule: ScanRule;
  /** Index of the wrapping capture group in the combined regex. */
  readonly group: number;
  readonly replacement: string;
}

/** Counts the capture groups of a regex source (throws when the source does not compile). */
export function captureGroupCount(source: string): number {
  return (new RegExp(`(?:${source})|`).exec('') as RegExpExecArray).length - 1;
}

/** Characters of an e-mail local part, for masks that reach back from the @. */
function isLocalPartChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
const MAX_LOCAL_PART = 64;

/**
 * All rules of one kind joined into ONE case-insensitive regex, so that a string is scanned once
 * whatever the number of rules (the hot path never loops over rules). Each rule is wrapped in a
 * capture group; the group that is set tells which rule matched. A string without any match is
 * returned as it is, and nothing is allocated for it.
 */
export class Scanner {
  private readonly re: RegExp | undefined;
  private readonly alternatives: CompiledAlternative[] = [];

  constructor(rules: readonly ScanRule[], mask: string) {
    let group = 1;
    const parts: string[] = [];
    for (const rule of rules) {
      parts.push(`(${rule.regex})`);
      this.alternatives.push({ rule, group, replacement: rule.mask === 'full' ? `[REDACTED:${rule.name}]` : mask });
      group += 1 + captureGroupCount(rule.regex);
    }
    this.re = parts.length ? new RegExp(parts.join('|'), 'gi') : undefined;
  }

  get empty(): boolean {
    return this.re === undefined;
  }

  apply(text: string): string {
    const re = this.re;
    if (!re) return text;
    re.lastIndex = 0;
    let m = re.exec(text);
    if (m === null) return text;
    let out = '';
    let last = 0;
    do {
      if (m[0].length === 0) re.lastIndex++;
      const replaced = this.replace(m, text, last);
      if (replaced !== undefined) {
        out += text.slice(last, replaced.start) + replaced.with;
        last = replaced.end;
        if (re.lastIndex < last) re.lastIndex = last;
      }
      m = re.exec(text);
    } while (m !== null);
    return last === 0 && out === '' ? text : out + text.slice(last);
  }

  private replace(m: RegExpExecArray, text: string, floor: number): { start: number; end: number; with: string } | undefined {
    const alternatives = this.alternatives;
    for (let i = 0; i < alternatives.length; i++) {
      const alt = alternatives[i]!;
      if (m[alt.group] === undefined) continue;
      const rule = alt.rule;
      const match = m[0];
      const start = m.index;
      const end = start + match.length;
      if (rule.url) return this.urlValue(rule, m[alt.group + 1] ?? '', text, end, alt.replacement);
      if (rule.assignment) return assignmentValue(rule, text, start, floor, alt.replacement);
      if (rule.extendsBack) {
        let from = start;
        const stop = Math.max(floor, start - MAX_LOCAL_PART);
        while (from > stop && isLocalPartChar(text.charCodeAt(from - 1))) from--;
        if (from === start) return undefined;
        return { start: from, end, with: maskEmail(text.slice(from, end)) };
      }
      if (rule.validate && !rule.validate(match)) return undefined;
      switch (rule.mask) {
        case 'full': return { start, end, with: alt.replacement };
        case 'email': return { start, end, with: maskEmail(match) };
        case 'keep_first_word': {
          const space = match.search(/\s/);
          return { start, end, with: space > 0 ? `${match.slice(0, space + 1)}${alt.replacement}` : alt.replacement };
        }
        case 'keep_first_group': return { start, end, with: `${m[alt.group + 1] ?? ''}${alt.replacement}` };
      }
    }
    return undefined;
  }

  /** Masks the query value or path segment after `from` when the name before it is sensitive. */
  private urlValue(rule: ScanRule, name: string, text: string, from: number, mask: string): { start: number; end: number; with: string } | undefined {
    const re = this.re!;
    const segment = rule.url === 'path_segment';
    // The closing / of a segment may open the next one.
    if (segment) re.lastIndex = from - 1;
    if (!rule.accept!(name)) return undefined;
    const first = text.charCodeAt(from);
    // Route templates (/users/:id, /{id}, /*) are not values.
    if (segment && (first === 58 || first === 123 || first === 42)) return undefined;
    let end = from;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      // & # whitespace end a query value; / ? also end a path segment
      if (c === 38 || c === 35 || c <= 32 || (segment && (c === 47 || c === 63))) break;
      end++;
    }
    if (end === from) return undefined;
    return { start: from, end, with: mask };
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}
/** Ends a value: whitespace " ' & , ; } < > */
function endsValue(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 38 || c === 44 || c === 59 || c === 125 || c === 60 || c === 62;
}
const SCHEME = /^(?:bearer|basic|digest|token)[ \t]+/i;

/**
 * `password=hunter2`, `"apiKey": "abc"`, `Authorization: Bearer xyz`: from the : or = at `sep`,
 * reads the key backwards (optional closing quote and spaces first) and the value forwards
 * (optional opening quote, optional auth scheme word). The value is masked when the key is
 * sensitive and the value has at least 3 characters.
 */
function assignmentValue(rule: ScanRule, text: string, sep: number, floor: number, mask: string): { start: number; end: number; with: string } | undefined {
  let k = sep;
  for (let n = 0; n < 5 && k > floor && isSpace(text.charCodeAt(k - 1)); n++) k--;
  if (k > floor && (text.charCodeAt(k - 1) === 34 || text.charCodeAt(k - 1) === 39)) k--;
  const keyEnd = k;
  while (k > floor && keyEnd - k < 64 && isKeyChar(text.charCodeAt(k - 1))) k--;
  if (k === keyEnd || !rule.accept!(text.slice(k, keyEnd))) return undefined;
  let v = sep + 1;
  for (let n = 0; n < 5 && v < text.length && isSpace(text.charCodeAt(v)); n++) v++;
  if (v < text.length && (text.charCodeAt(v) === 34 || text.charCodeAt(v) === 39)) v++;
  const scheme = SCHEME.exec(text.slice(v, v + 16));
  if (scheme) v += scheme[0].length;
  let end = v;
  while (end < text.length && !endsValue(text.charCodeAt(end))) end++;
  if (end - v < 3) return undefined;
  return { start: v, end, with: mask };
}

/** `alice@example.com` → `a***@example.com`: the domain stays useful for debugging. */
export function maskEmail(email: string): string {
  let at = email.lastIndexOf('@');
  if (at < 0) at = email.toLowerCase().lastIndexOf('%40');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Luhn checksum over the digits of `text` (separators ignored). */
export function passesLuhn(text: string): boolean {
  let sum = 0;
  let double = false;
  let digits = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    digits++;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits >= 13 && sum % 10 === 0;
}
