import { describe, expect, it } from 'vitest';
import { sqlOperationName } from '../../agent/runtime/sql-operation';

// One helper names the operation for the pg span (db.operation.name) and for
// db.client.operation.duration, so the two always agree.
describe('sqlOperationName', () => {
  it('keeps db.operation.name to SQL verbs', () => {
    expect(sqlOperationName('select 1')).toBe('SELECT');
    expect(sqlOperationName('SELECT\n  id\nFROM t')).toBe('SELECT');
    expect(sqlOperationName('SELECT\nid\nFROM\nt')).toBe('SELECT');
    expect(sqlOperationName('  -- why\n /* c */ (SELECT 1) UNION (SELECT 2)')).toBe('SELECT');
    expect(sqlOperationName('with x as (select 1) select * from x')).toBe('WITH');
    expect(sqlOperationName('INSERT;')).toBe('INSERT');
    expect(sqlOperationName('frobnicate the table')).toBeUndefined();
    expect(sqlOperationName(undefined)).toBeUndefined();
  });

  it('gives nothing for unterminated comments, words longer than any verb, or no word at all', () => {
    expect(sqlOperationName('-- only a comment')).toBeUndefined();
    expect(sqlOperationName('/* never closed SELECT')).toBeUndefined();
    expect(sqlOperationName('selectselectselectselect 1')).toBeUndefined();
    expect(sqlOperationName('$1')).toBeUndefined();
    expect(sqlOperationName('')).toBeUndefined();
  });
});
