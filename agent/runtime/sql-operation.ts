/**
 * SQL verbs kept as `db.operation.name`, on the pg span and on `db.client.operation.duration`
 * alike; anything else is left out rather than becoming a new series.
 */
const SQL_OPERATIONS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'WITH', 'VALUES', 'TABLE', 'COPY', 'CALL', 'DO', 'EXPLAIN',
  'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'PREPARE', 'EXECUTE', 'DEALLOCATE',
  'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'COMMENT', 'GRANT', 'REVOKE', 'REINDEX', 'CLUSTER', 'VACUUM', 'ANALYZE',
  'REFRESH', 'LOCK', 'SET', 'RESET', 'SHOW', 'DISCARD', 'LISTEN', 'UNLISTEN', 'NOTIFY', 'DECLARE', 'FETCH', 'MOVE',
  'CLOSE', 'CHECKPOINT', 'LOAD', 'IMPORT', 'SECURITY',
]);

/** Longer words cannot be a verb of the list; the scan stops there instead of reading a long identifier. */
const MAX_VERB_LENGTH = 16;

/**
 * The operation name of a SQL statement: its first keyword, upper-cased (`SELECT`, `INSERT`, ...),
 * after leading blanks, comments and parentheses, when it is one of the SQL verbs above;
 * undefined otherwise. A scan, not a regular expression: it runs on every query.
 */
export function sqlOperationName(sql: unknown): string | undefined {
  if (typeof sql !== 'string') return undefined;
  let i = 0;
  const n = sql.length;
  for (;;) {
    while (i < n && (sql.charCodeAt(i) <= 32 || sql.charCodeAt(i) === 40 /* ( */)) i++;
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
  while (j < n && j - i <= MAX_VERB_LENGTH) {
    const c = sql.charCodeAt(j) | 0x20;
    if (c < 97 || c > 122) break;
    j++;
  }
  if (j === i || j - i > MAX_VERB_LENGTH) return undefined;
  const word = sql.slice(i, j).toUpperCase();
  return SQL_OPERATIONS.has(word) ? word : undefined;
}
