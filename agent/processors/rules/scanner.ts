import type { MaskKind } from './source';

/** One alternative of a combined scanner. */
export interface ScanRule {
  readonly name: string;
  readonly regex: string;
  readonly mask: MaskKind;
  readonly validate?: (match: string) => boolean;
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

/**
 * All rules of one kind joined into ONE case-insensitive regex, so that a string is scanned once
 * whatever the number of rules (the hot path never loops over rules). Each rule is wrapped in a
 * capture group; the replacer finds which one matched from the group that is set.
 */
export class Scanner {
  private readonly re: RegExp | undefined;
  private readonly alternatives: CompiledAlternative[] = [];
  private readonly replacer: (...args: unknown[]) => string;

  constructor(rules: readonly ScanRule[], mask: string) {
    let group = 1;
    const parts: string[] = [];
    for (const rule of rules) {
      parts.push(`(${rule.regex})`);
      this.alternatives.push({ rule, group, replacement: rule.mask === 'full' ? `[REDACTED:${rule.name}]` : mask });
      group += 1 + captureGroupCount(rule.regex);
    }
    this.re = parts.length ? new RegExp(parts.join('|'), 'gi') : undefined;
    const alternatives = this.alternatives;
    this.replacer = (...args: unknown[]): string => {
      const match = args[0] as string;
      for (let i = 0; i < alternatives.length; i++) {
        const alt = alternatives[i]!;
        if (args[alt.group] === undefined) continue;
        const rule = alt.rule;
        if (rule.validate && !rule.validate(match)) return match;
        switch (rule.mask) {
          case 'full': return alt.replacement;
          case 'email': return maskEmail(match);
          case 'keep_first_word': {
            const space = match.search(/\s/);
            return space > 0 ? `${match.slice(0, space + 1)}${alt.replacement}` : alt.replacement;
          }
          case 'keep_first_group': return `${(args[alt.group + 1] as string | undefined) ?? ''}${alt.replacement}`;
        }
      }
      return match;
    };
  }

  get empty(): boolean {
    return this.re === undefined;
  }

  /** Returns `text` itself (no copy) when nothing matched. */
  apply(text: string): string {
    if (!this.re) return text;
    this.re.lastIndex = 0;
    return text.replace(this.re, this.replacer as (substring: string, ...args: unknown[]) => string);
  }
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
