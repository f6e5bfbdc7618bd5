/**
 * Which bound parameters of a statement go into a sensitive column: `password = $2`,
 * `INSERT INTO users (email, password_hash) VALUES ($1, $2)`. Their values are masked whole, because
 * a password has no shape a pattern could find. Cached per statement text (statements repeat).
 */
const COMPARISON = /("?[A-Za-z_][\w$]{0,62}"?)\s*(?:=|<>|!=|\bI?LIKE\b)\s*\$(\d+)/gi;
const INSERT = /\(([^()]*)\)\s*VALUES\s*\(([^()]*)\)/gi;
const NONE: ReadonlySet<number> = new Set();

export class SqlParameterMap {
  private readonly cache = new Map<string, ReadonlySet<number>>();

  constructor(private readonly isSensitiveKey: (key: string) => boolean) {}

  /** 0-based indexes of the values that belong to sensitive columns. */
  sensitiveIndexes(sql: string): ReadonlySet<number> {
    const hit = this.cache.get(sql);
    if (hit) return hit;
    let out: Set<number> | undefined;
    const add = (column: string, placeholder: string) => {
      const name = column.replace(/"/g, '').trim();
      if (name && this.isSensitiveKey(name)) (out ??= new Set()).add(Number(placeholder) - 1);
    };
    const text = sql.length > 20_000 ? sql.slice(0, 20_000) : sql;
    for (const m of text.matchAll(COMPARISON)) add(m[1]!, m[2]!);
    for (const m of text.matchAll(INSERT)) {
      const columns = m[1]!.split(',');
      const values = m[2]!.split(',');
      for (let i = 0; i < Math.min(columns.length, values.length); i++) {
        const p = /^\s*\$(\d+)\s*$/.exec(values[i]!);
        if (p) add(columns[i]!, p[1]!);
      }
    }
    const result = out ?? NONE;
    if (this.cache.size >= 1024) this.cache.clear();
    this.cache.set(sql, result);
    return result;
  }
}
