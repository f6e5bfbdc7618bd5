/**
 * The operation name of a SQL statement: its first keyword, upper-cased (`SELECT`, `INSERT`, ...),
 * after leading comments and parentheses. Low cardinality by construction: anything that does not
 * start with a word gives undefined rather than a fragment of the statement.
 */
export function sqlOperationName(sql: string): string | undefined {
  let i = 0;
  const n = sql.length;
  for (;;) {
    while (i < n && (sql.charCodeAt(i) <= 32 || sql[i] === '(')) i++;
    if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      if (nl < 0) return undefined;
      i = nl + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
      continue;
    }
    break;
  }
  let j = i;
  while (j < n && j - i < 32) {
    const c = sql.charCodeAt(j) | 0x20;
    if (c < 97 || c > 122) break;
    j++;
  }
  return j > i ? sql.slice(i, j).toUpperCase() : undefined;
}
