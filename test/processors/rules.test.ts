import { describe, expect, it } from 'vitest';
import { compileRules, parsePatternSpec } from '../../agent/processors/rules/compile';
import { Redactor } from '../../agent/processors/redactor';
import { maskEmail, passesLuhn } from '../../agent/processors/rules/scanner';

const redactor = (opts: Parameters<typeof compileRules>[0] = {}) => new Redactor(compileRules(opts));
const r = redactor();

describe('keys, case-insensitive, at any depth', () => {
  it.each([
    'password', 'Password', 'user_password', 'db.password', 'passwd', 'client_secret', 'accessToken', 'api_key', 'apiKey',
    'X-API-KEY', 'authorization', 'Proxy-Authorization', 'cookie', 'set-cookie', 'session_id', 'creditCard', 'credit card',
    'card_number', 'cvv', 'private_key', 'pin', 'user.pin', 'ssn',
  ])('%s is masked', (key) => {
    const attrs: Record<string, unknown> = { [key]: 'v4lue-that-is-secret' };
    r.attributesInPlace(attrs);
    expect(attrs[key]).toBe('[REDACTED]');
  });

  it.each(['user.id', 'http.route', 'author', 'spinner', 'classname', 'gen_ai.usage.input_tokens'])('%s is kept', (key) => {
    const attrs: Record<string, unknown> = { [key]: 'plain' };
    r.attributesInPlace(attrs);
    expect(attrs[key]).toBe('plain');
  });

  it('masks at any depth of objects and arrays, and numbers under sensitive keys', () => {
    const out = r.value({ a: { b: [{ c: { Secret: 's', pin: 1234, fine: 'ok' } }] } }) as { a: { b: Array<{ c: unknown }> } };
    expect(out.a.b[0].c).toEqual({ Secret: '[REDACTED]', pin: '[REDACTED]', fine: 'ok' });
  });

  it('user additions: contains, exact (=name) and removal (-name)', () => {
    const custom = redactor({ keys: ['tenant_signature_ref', '=ticket', '-session'] });
    const attrs: Record<string, unknown> = { 'x.tenantSignatureRef': 'a', ticket: 'b', 'my.ticket': 'c', tickets: 'd', session_id: 'e' };
    custom.attributesInPlace(attrs);
    expect(attrs).toEqual({ 'x.tenantSignatureRef': '[REDACTED]', ticket: '[REDACTED]', 'my.ticket': '[REDACTED]', tickets: 'd', session_id: 'e' });
  });
});

describe('HTTP', () => {
  it('masks captured Authorization, Cookie, Set-Cookie and Proxy-Authorization headers', () => {
    const attrs: Record<string, unknown> = {
      'http.request.header.authorization': ['Bearer abc'],
      'http.request.header.cookie': ['a=b'],
      'http.response.header.set-cookie': ['sid=1'],
      'http.request.header.proxy-authorization': ['Basic eHh4'],
      'http.request.header.accept': ['text/html'],
    };
    r.attributesInPlace(attrs);
    expect(attrs).toEqual({
      'http.request.header.authorization': '[REDACTED]',
      'http.request.header.cookie': '[REDACTED]',
      'http.response.header.set-cookie': '[REDACTED]',
      'http.request.header.proxy-authorization': '[REDACTED]',
      'http.request.header.accept': ['text/html'],
    });
  });

  it('masks sensitive query parameters by name in url.full and url.query, case-insensitively', () => {
    const attrs: Record<string, unknown> = {
      'url.full': 'https://api.test/cb?code=abc123&state=xyz&page=2&Access_Token=t0k',
      'url.query': 'page=1&myPasswordHint=hunter2&X-Amz-Signature=deadbeef&q=shoes',
    };
    r.attributesInPlace(attrs);
    expect(attrs['url.full']).toBe('https://api.test/cb?code=[REDACTED]&state=[REDACTED]&page=2&Access_Token=[REDACTED]');
    expect(attrs['url.query']).toBe('page=1&myPasswordHint=[REDACTED]&X-Amz-Signature=[REDACTED]&q=shoes');
  });

  it('user query parameter names are added', () => {
    const custom = redactor({ queryParams: ['voucher'] });
    expect(custom.url('/buy?voucher=FREE-123&qty=1')).toBe('/buy?voucher=[REDACTED]&qty=1');
  });

  it('masks userinfo in URLs', () => {
    expect(r.url('https://bob:hunter2@example.com/x')).toBe('https://[REDACTED]example.com/x');
    expect(r.text('dial postgres://app:pw-123@db:5432/app now')).toBe('dial postgres://[REDACTED]db:5432/app now');
  });

  it('masks a path segment after one that names a secret, but not route templates', () => {
    expect(r.url('/password-reset/8f3kd0s9a')).toBe('/password-reset/[REDACTED]');
    expect(r.spanName('GET /api/tokens/:id')).toBe('GET /api/tokens/:id');
    expect(r.spanName('GET /users/:id')).toBe('GET /users/:id');
  });
});

describe('SQL in db.query.text', () => {
  const sql = (s: string) => r.sql(s);
  it.each([
    ["SELECT * FROM u WHERE name = 'bob' AND age > 42", 'SELECT * FROM u WHERE name = ? AND age > ?'],
    ["SELECT * FROM u WHERE name = 'o''brien'", 'SELECT * FROM u WHERE name = ?'],
    ["SELECT * FROM u WHERE id IN (1, 2, 3) OR code in ('a','b')", 'SELECT * FROM u WHERE id IN (?) OR code in (?)'],
    ['SELECT $$secret text$$, $tag$ more $ text $tag$ FROM t', 'SELECT ?, ? FROM t'],
    ["INSERT INTO t (a, b) VALUES (E'it\\'s', 3.5e3)", 'INSERT INTO t (a, b) VALUES (E?, ?)'],
    ['SELECT 0x1F, -7, t1.col2 FROM t1', 'SELECT ?, -?, t1.col2 FROM t1'],
    ["UPDATE t SET token = 'cut-off-by-the-length-limi", 'UPDATE t SET token = ?'],
    ['SELECT 1 -- password=hunter2\nFROM t', 'SELECT ? -- password=[REDACTED]\nFROM t'],
  ])('%s', (input, expected) => {
    expect(sql(input)).toBe(expected);
  });

  it('statements with $1 placeholders keep their text', () => {
    const s = "SELECT * FROM u WHERE id = $1 AND status = 'active' LIMIT 10";
    expect(sql(s)).toBe(s);
  });

  it('a $1 inside a literal does not count as a placeholder', () => {
    expect(sql("SELECT 'costs $5' AS label")).toBe('SELECT ? AS label');
  });

  it('literal masking can be turned off; free-text patterns still apply', () => {
    const off = redactor({ sqlLiterals: false });
    expect(off.sql("SELECT 'x@example.com', 42")).toBe("SELECT 'x***@example.com', 42");
  });

  it('applies to db.query.text and db.statement attributes', () => {
    const attrs: Record<string, unknown> = { 'db.query.text': "SELECT 'a'", 'db.statement': 'SELECT 1' };
    r.attributesInPlace(attrs);
    expect(attrs).toEqual({ 'db.query.text': 'SELECT ?', 'db.statement': 'SELECT ?' });
  });

  it('bound parameters (opt-in) are masked by column name and scanned for patterns', () => {
    const attrs: Record<string, unknown> = {
      'db.query.text': 'INSERT INTO users (email, password_hash, nickname) VALUES ($1, $2, $3)',
      'db.postgresql.values': ['ann@example.com', 'bcrypt-hash-value', 'annie'],
    };
    r.attributesInPlace(attrs);
    expect(attrs['db.postgresql.values']).toEqual(['a***@example.com', '[REDACTED]', 'annie']);
    const where: Record<string, unknown> = { 'db.query.text': 'UPDATE users SET name = $1 WHERE api_token = $2', 'db.postgresql.values': ['Ann', 'tok-123'] };
    r.attributesInPlace(where);
    expect(where['db.postgresql.values']).toEqual(['Ann', '[REDACTED]']);
  });
});

describe('free-text patterns', () => {
  const cases: Array<[string, string, string]> = [
    ['secret_assignment', 'Authorization: Bearer abcdefgh12345678', 'Authorization: Bearer [REDACTED]'],
    ['bearer', 'sent bearer abcdefgh12345678 upstream', 'sent bearer [REDACTED] upstream'],
    ['jwt', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl here', 'token [REDACTED:jwt] here'],
    ['aws_access_key', 'key AKIAIOSFODNN7EXAMPLE used', 'key [REDACTED:aws_access_key] used'],
    ['pem_private_key', 'k=-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBg\n-----END PRIVATE KEY----- end', 'k=[REDACTED:pem_private_key] end'],
    ['pem_private_key', 'cut: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB', 'cut: [REDACTED:pem_private_key]'],
    ['email', 'contact alice.smith@example.com today', 'contact a***@example.com today'],
    ['card_number', 'paid with 4111 1111 1111 1111.', 'paid with [REDACTED:card_number].'],
    ['secret_assignment', 'login password=hunter2 user=bob', 'login password=[REDACTED] user=bob'],
    ['secret_assignment', '{"apiKey":"abc123xyz","id":1}', '{"apiKey":"[REDACTED]","id":1}'],
    ['api_key_prefixed', 'use sk_live_abcdefghijklmnop1234 now', 'use [REDACTED:api_key_prefixed] now'],
  ];
  it.each(cases)('%s: %s', (_name, input, expected) => {
    expect(r.text(input)).toBe(expected);
  });

  it('card numbers given as numbers are masked; timestamps and ids are kept', () => {
    const attrs: Record<string, unknown> = { 'payment.card': 4111111111111111, 'ts.us': 1732200000000001, 'ts.ms': 1732200000000, 'order.id': 4111111111111112 };
    r.attributesInPlace(attrs);
    expect(attrs).toEqual({ 'payment.card': '[REDACTED:card_number]', 'ts.us': 1732200000000001, 'ts.ms': 1732200000000, 'order.id': 4111111111111112 });
    expect(r.value({ nested: [5555555555554444] })).toEqual({ nested: ['[REDACTED:card_number]'] });
    expect(redactor({ patterns: '-card_number' }).value(4111111111111111)).toBe(4111111111111111);
  });

  it('numbers that fail the Luhn check are kept (order ids, timestamps)', () => {
    expect(r.text('order 4111111111111112 at 1732200000001')).toBe('order 4111111111111112 at 1732200000001');
  });

  it('plain text is returned as the same string (no copy)', () => {
    const s = 'GET /users/42 took 12 ms';
    expect(r.text(s)).toBe(s);
  });

  it('each pattern can be switched off, and -all turns all built-ins off', () => {
    const noEmail = redactor({ patterns: '-email' });
    expect(noEmail.text('a@example.com')).toBe('a@example.com');
    expect(noEmail.text('AKIAIOSFODNN7EXAMPLE')).toBe('[REDACTED:aws_access_key]');
    const none = redactor({ patterns: ['-all'] });
    expect(none.text('AKIAIOSFODNN7EXAMPLE a@example.com')).toBe('AKIAIOSFODNN7EXAMPLE a@example.com');
    const iban = redactor({ patterns: 'iban' });
    expect(iban.text('IBAN DE89 3704 0044 0532 0130 00')).toBe('IBAN [REDACTED:iban]');
  });

  it('custom patterns, with commas inside the regex', () => {
    const custom = redactor({ patterns: '-email,ticket=/TCK-[0-9]{4,6}/,order=/ORD[0-9]{3}/' });
    expect(custom.text('see TCK-12345 and ORD123, mail a@example.com')).toBe('see [REDACTED:ticket] and [REDACTED:order], mail a@example.com');
  });

  it('a pattern that cannot be parsed is a clear problem for that one rule; the others apply', () => {
    const rules = compileRules({ patterns: 'bad=/TCK-(/,nosuch,ok=/OK-[0-9]+/,empty=/x*/,flags=/a/g' });
    expect(rules.problems.map((p) => p.item)).toEqual(['bad=/TCK-(/', 'nosuch', 'empty=/x*/', 'flags=/a/g']);
    expect(rules.problems[0]!.reason).toMatch(/cannot compile/);
    expect(rules.problems[1]!.reason).toMatch(/unknown pattern; built-in ones are/);
    const red = new Redactor(rules);
    expect(red.text('OK-12 AKIAIOSFODNN7EXAMPLE')).toBe('[REDACTED:ok] [REDACTED:aws_access_key]');
  });

  it('parsePatternSpec splits on commas outside /regex/', () => {
    expect(parsePatternSpec('a, -b ,c=/x{1,3}[,]/i,d')).toEqual(['a', '-b', 'c=/x{1,3}[,]/i', 'd']);
  });

  it('helpers', () => {
    expect(maskEmail('bob@example.org')).toBe('b***@example.org');
    expect(maskEmail('bob%40example.org')).toBe('b***%40example.org');
    expect(passesLuhn('4111 1111 1111 1111')).toBe(true);
    expect(passesLuhn('4111 1111 1111 1112')).toBe(false);
  });
});

describe('values of any shape', () => {
  it('truncates strings longer than the limit after scanning them', () => {
    const limited = redactor({ valueLengthLimit: 64 });
    const long = `${'x'.repeat(60)} AKIAIOSFODNN7EXAMPLE ${'y'.repeat(10_000)}`;
    const out = limited.text(long);
    expect(out.length).toBe(64);
    expect(out).not.toContain('AKIA');
  });

  it('cycles, depth, binary, Dates, Errors, Maps, functions, bigint', () => {
    const cyc: Record<string, unknown> = { name: 'x' };
    cyc.self = cyc;
    let deep: Record<string, unknown> = { leaf: 'a@example.com' };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const err = new Error('failed with password=hunter2');
    const out = r.value({
      cyc, deep, buf: Buffer.from('secret bytes'), when: new Date(0), err, map: new Map([['token', 't']]), fn: () => 1, big: 10n,
    }) as Record<string, unknown> & { err: { message: string; stack: string } };
    expect(out.cyc).toEqual({ name: 'x', self: '[circular]' });
    expect(JSON.stringify(out.deep)).toContain('[depth limit]');
    expect(out.buf).toBe('[REDACTED:binary 12 bytes]');
    expect(out.when).toBe('1970-01-01T00:00:00.000Z');
    expect(out.err.message).toBe('failed with password=[REDACTED]');
    expect(out.err.stack).not.toContain('hunter2');
    expect(out.map).toEqual({ token: '[REDACTED]' });
    expect(out.fn).toBe('[function]');
    expect(out.big).toBe('10');
  });

  it('getters that throw and hostile proxies do not throw', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('nope'); } });
    const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(r.value(hostile)).toBe('[unreadable]');
    expect(r.value(getter)).toBe('[unreadable]');
    expect(r.value({ ok: 1, nested: getter })).toEqual({ ok: 1, nested: '[unreadable]' });
  });

  it('objects with very many keys are bounded', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) big[`k${i}`] = i;
    const out = r.value(big) as Record<string, unknown>;
    expect(Object.keys(out).length).toBeLessThan(600);
    expect(out['[truncated]']).toBeDefined();
  });

  it('lone surrogates (non-UTF-8 when encoded) pass without throwing', () => {
    const s = `bad \uD800 half ${'\uDC00'} a@example.com`;
    expect(r.text(s)).toBe('bad \uD800 half \uDC00 a***@example.com');
  });
});

describe('no stall on adversarial strings (catastrophic backtracking guard)', () => {
  // Each of these took from 0.2 s to over 100 s before the regexes were bounded; now a few ms.
  // The 1 s bound only catches a regression to super-linear matching, it is not a timing target.
  const big = new Redactor(compileRules({ valueLengthLimit: 8192 }));
  const inputs: Record<string, string> = {
    alnum: 'a'.repeat(12_000), digits: '1'.repeat(12_000), dashes: '1-'.repeat(6000), path: '/a'.repeat(6000),
    at: 'a@'.repeat(6000), dots: 'a.'.repeat(6000), quotes: "'".repeat(12_000), eyj: 'eyJ'.repeat(4000),
    pem: `-----BEGIN PRIVATE KEY-----${'A'.repeat(12_000)}`, keyword: 'password'.repeat(1500), keywordSpaces: 'token  '.repeat(2000),
    segment: `/${'password'.repeat(1500)}`, query: '&a=b'.repeat(3000), schemes: 'http://'.repeat(1700), dollars: '$a$'.repeat(4000),
    sqlString: `SELECT '${'x'.repeat(12_000)}`, sqlParams: 'a = $1 '.repeat(3000),
  };
  it.each(Object.entries(inputs))('%s', (_name, input) => {
    for (const fn of ['text', 'url', 'sql', 'spanName'] as const) {
      const started = performance.now();
      big[fn](input);
      expect(performance.now() - started).toBeLessThan(1000);
    }
    const started = performance.now();
    big.attributesInPlace({ 'db.query.text': input, 'db.postgresql.values': [input] });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
