import { BackendScanner, parseDuration, parseOptions, trackTimeoutSettings } from './pg-wire-server';

const msg = (type: string, body: Buffer | string) => {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(b.length + 4, 1);
  return Buffer.concat([head, b]);
};
const query = (sql: string) => msg('Q', `${sql}\0`);
const parse = (sql: string) => msg('P', `\0${sql}\0\0\0`);

describe('PgWireServer parts', () => {
  it('reads -c name=value startup options as libpq and pg send them', () => {
    expect(parseOptions('-c hnsw.ef_search=80 -c hnsw.iterative_scan=relaxed_order -c statement_timeout=30000')).toEqual([
      ['hnsw.ef_search', '80'],
      ['hnsw.iterative_scan', 'relaxed_order'],
      ['statement_timeout', '30000'],
    ]);
    expect(parseOptions('--search-path=a\\ b -cwork_mem=4MB')).toEqual([['search_path', 'a b'], ['work_mem', '4MB']]);
    expect(parseOptions('')).toEqual([]);
    expect(() => parseOptions('-c nonsense')).toThrow(/invalid startup option/);
  });

  it('reads statement_timeout values in Postgres units', () => {
    expect([parseDuration('30000'), parseDuration('1.5s'), parseDuration('2min'), parseDuration('DEFAULT'), parseDuration('x')]).toEqual([30000, 1500, 120000, 0, undefined]);
  });

  it('follows SET, SET LOCAL and RESET of statement_timeout in simple and extended queries', () => {
    const conn: { timeoutMs: number; startupTimeoutMs: number; localTimeoutMs?: number } = { timeoutMs: 30000, startupTimeoutMs: 30000 };
    trackTimeoutSettings(conn, query(`SET LOCAL statement_timeout = 0`));
    expect(conn).toEqual({ timeoutMs: 30000, startupTimeoutMs: 30000, localTimeoutMs: 0 });
    trackTimeoutSettings(conn, Buffer.concat([parse(`set statement_timeout to '5s'`), msg('S', '')]));
    expect(conn.timeoutMs).toBe(5000);
    trackTimeoutSettings(conn, query('SELECT 1; RESET statement_timeout'));
    expect(conn.timeoutMs).toBe(30000); // back to the connection's startup value, as in Postgres
    trackTimeoutSettings(conn, query('SET statement_timeout = 0'));
    trackTimeoutSettings(conn, query(`SELECT 'SET statement_timeout' AS x`));
    expect(conn.timeoutMs).toBe(0);
  });

  it('tells a complete answer (ReadyForQuery, idle or in a transaction) from a cut one, across chunks', () => {
    const answer = Buffer.concat([msg('C', 'SELECT 1\0'), msg('Z', 'I')]);
    const whole = new BackendScanner();
    for (const byte of answer) whole.feed(Uint8Array.of(byte));
    expect([whole.answered, whole.idle]).toEqual([true, true]);
    const inTx = new BackendScanner();
    inTx.feed(Buffer.concat([msg('C', 'BEGIN\0'), msg('Z', 'T')]));
    expect([inTx.answered, inTx.idle]).toEqual([true, false]);
    const cut = new BackendScanner();
    cut.feed(Buffer.concat([msg('C', 'CREATE FUNCTION\0'), msg('T', Buffer.alloc(10))]));
    expect(cut.answered).toBe(false);
    const failed = new BackendScanner();
    failed.feed(Buffer.concat([msg('E', 'SERROR\0C42601\0Msyntax error\0\0'), msg('Z', 'I')]));
    expect(failed.error).toEqual({ code: '42601', message: 'syntax error' });
  });
});
