import { Scanner, type ScanRule } from './scanner';

// PostgreSQL lexical pieces. Unterminated strings and comments run to the end of the text: a
// statement cut by the length limit must not leak the half of a literal that is left.
const COMMENT = String.raw`--[^\n]*|/\*[\s\S]*?(?:\*/|$)`;
const DOLLAR = String.raw`\$(?<dqtag>[A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\k<dqtag>\$|$)`;
// Prefixes (E'', B'', X'', U&'') stay outside the match: starting every alternative at a rare
// character (' $ - / digit) lets the regex engine skip ordinary identifier text quickly.
const STRING = String.raw`'(?:[^'\\]|''|\\[\s\S])*(?:'|$)`;
const NUMBER = String.raw`\b(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)\b`;
const LIST_ITEM = String.raw`(?:'(?:[^'\\]|''|\\[\s\S])*'|-?\d+(?:\.\d+)?|NULL|TRUE|FALSE)`;
const IN_LIST = String.raw`\bIN\s*\(\s*${LIST_ITEM}(?:\s*,\s*${LIST_ITEM})*\s*\)`;
const PLACEHOLDER = String.raw`\$\d+`;

/**
 * Masks literals in SQL text with `?` in one pass. A statement that uses `$1` placeholders (outside
 * literals) keeps its text: its literals are constants the developer wrote, the values are bound
 * separately. Free-text patterns still apply to it, and to comments.
 */
export class SqlMasker {
  private readonly re = new RegExp(
    `(?<comment>${COMMENT})|(?<dollar>${DOLLAR})|(?<inlist>${IN_LIST})|(?<string>${STRING})|(?<placeholder>${PLACEHOLDER})|(?<number>${NUMBER})`,
    'gi',
  );
  private readonly text: Scanner;
  private sawPlaceholder = false;
  private readonly replacer: (...args: unknown[]) => string;

  constructor(textRules: readonly ScanRule[], mask: string, private readonly maskLiterals: boolean) {
    this.text = new Scanner(textRules, mask);
    this.replacer = (...args: unknown[]): string => {
      const match = args[0] as string;
      const groups = args[args.length - 1] as Record<string, string | undefined>;
      if (groups.comment !== undefined) return this.text.apply(match);
      if (groups.placeholder !== undefined) {
        this.sawPlaceholder = true;
        return match;
      }
      if (groups.inlist !== undefined) return `${match.slice(0, 2)} (?)`;
      return '?';
    };
  }

  apply(sql: string): string {
    if (!this.maskLiterals) return this.text.apply(sql);
    this.sawPlaceholder = false;
    this.re.lastIndex = 0;
    const masked = sql.replace(this.re, this.replacer as (substring: string, ...args: unknown[]) => string);
    if (this.sawPlaceholder) return this.text.apply(sql);
    return masked;
  }
}
