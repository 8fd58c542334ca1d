import type WebSocket from 'ws';
import { startTestApp, TestApp } from './support/app';
import { connectWs, listenWithPolicy, wsTurn } from './support/ws-client';

/**
 * The chat WebSocket's sockets bounded (probe s15 findings 1 and 8): one caller cannot hold more than
 * http.ws.maxConnectionsPerCaller (4429), the process no more than http.ws.maxConnections (1013), a handshake counts
 * in the rate limits like a chat request (4429), a peer that stops answering pings is dropped and an idle socket is
 * closed (4408); a client's unreadable frame is logged once at debug level, never as a server error with a stack.
 */
const ADMIN = 'ws-connections-admin-key';
const QUESTION = 'Quantos dias de férias posso vender?';
const PER_CALLER = 3;
const PER_PROCESS = 8;
const GENERATE_PER_MINUTE = 6;
const PING_MS = 300;
const IDLE_MS = 1500;

type Closed = { code: number; reason: string };

describe('WebSocket connections: caps per caller and per process, handshakes rate-limited, heartbeat and idle timeout', () => {
  let t: TestApp;
  let url = '';
  const logs: Array<Record<string, unknown>> = [];
  const keys = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp(
      {
        admin: { apiKey: ADMIN },
        auth: { mode: 'required' },
        logging: { level: 'debug' },
        rateLimit: { groups: { generate: GENERATE_PER_MINUTE } },
        http: { ws: { maxConnections: PER_PROCESS, maxConnectionsPerCaller: PER_CALLER, pingIntervalMs: PING_MS, idleTimeoutMs: IDLE_MS } },
      },
      { onLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    url = await listenWithPolicy(t, ADMIN);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A key of its own per user (and per test): the generate rate limit counts per key. */
  const keyOf = async (user: string) => {
    if (!keys.has(user)) keys.set(user, (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: user }).expect(201)).body.key);
    return keys.get(user)!;
  };
  const open = async (user: string, options: WebSocket.ClientOptions = {}) => connectWs(url, ['bearer', await keyOf(user)], undefined, options);
  /** Whether a socket is still open after `ms` (a refused one is closed right after its handshake). */
  const closedWithin = (closed: Promise<Closed>, ms: number) => Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
  const closeAll = async (sockets: Array<{ ws: WebSocket; closed: Promise<Closed> }>) => {
    for (const s of sockets) s.ws.close();
    await Promise.all(sockets.map((s) => s.closed));
    await new Promise((r) => setTimeout(r, 100)); // the server's side of each close
  };

  it(`closes a caller's socket past http.ws.maxConnectionsPerCaller with 4429; other users are not affected, a closed socket frees its place`, async () => {
    const held = [];
    for (let i = 0; i < PER_CALLER; i++) held.push(await open('ana'));
    const extra = await open('ana');
    expect(await extra.closed).toEqual({ code: 4429, reason: 'RATE_LIMIT.TOO_MANY_CONNECTIONS' });
    for (const s of held) expect(s.ws.readyState).toBe(s.ws.OPEN);
    // another key of the same user counts with hers (the cap is per user, not per key)
    const second = await connectWs(url, ['bearer', (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'ana' }).expect(201)).body.key]);
    expect(await second.closed).toEqual({ code: 4429, reason: 'RATE_LIMIT.TOO_MANY_CONNECTIONS' });
    const bia = await open('bia');
    expect((await wsTurn(bia.ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });
    await closeAll([held.pop()!]);
    const again = await open('ana');
    expect(await closedWithin(again.closed, 300)).toBeUndefined();
    expect((await wsTurn(again.ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });
    await closeAll([...held, again, bia]);
  });

  it('closes a socket past http.ws.maxConnections open in the process with 1013 REQUEST.OVERLOADED, and takes new ones once some close', async () => {
    const held = [];
    for (let i = 0; i < PER_PROCESS; i++) held.push(await open(`p${Math.floor(i / PER_CALLER)}`));
    const refused = await open('p-late');
    expect(await refused.closed).toEqual({ code: 1013, reason: 'REQUEST.OVERLOADED' });
    expect(logs.some((l) => l.level === 40 && /WebSocket\(s\) refused: 8 open already \(http\.ws\.maxConnections\)/.test(String(l.msg)))).toBe(true);
    await closeAll(held.splice(0, 1));
    const late = await open('p-late');
    expect((await wsTurn(late.ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });
    await closeAll([...held, late]);
  });

  it('counts each handshake in the rate limits as a chat request: past the generate group, the socket is closed with 4429 RATE_LIMIT.EXCEEDED', async () => {
    for (let i = 0; i < GENERATE_PER_MINUTE; i++) {
      const s = await open('rajada');
      expect(await closedWithin(s.closed, 100)).toBeUndefined();
      await closeAll([s]);
    }
    const refused = await open('rajada');
    expect(await refused.closed).toEqual({ code: 4429, reason: 'RATE_LIMIT.EXCEEDED' });
  });

  it('drops a peer that stops answering pings, closes an idle socket with 4408 REQUEST.IDLE_TIMEOUT, and keeps one that chats', async () => {
    const started = Date.now();
    const silent = await open('hb-silent', { autoPong: false });
    const idle = await open('hb-idle');
    const chatty = await open('hb-chatty');
    // a turn every IDLE_MS / 3 for longer than the idle timeout (5 turns and the handshake: within the rate limit)
    const chatting = (async () => {
      for (let i = 0; i < 5; i++) {
        expect((await wsTurn(chatty.ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });
        await new Promise((r) => setTimeout(r, IDLE_MS / 3));
      }
    })();
    const dropped = await silent.closed;
    expect(dropped.code).toBe(1006); // terminated: no close frame for a peer that is gone
    expect(Date.now() - started).toBeLessThan(IDLE_MS);
    // the idle one answered every ping (ws clients do): it lived until the idle timeout, then got a close frame
    expect(await idle.closed).toEqual({ code: 4408, reason: 'REQUEST.IDLE_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 100);
    await chatting;
    expect(Date.now() - started).toBeGreaterThan(IDLE_MS + PING_MS * 2);
    expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
    await closeAll([chatty]);
  });

  it("logs a client's unreadable frame once per socket at debug level without a stack, not as a server error", async () => {
    const SOCKETS = 3;
    const before = logs.length;
    for (let i = 0; i < SOCKETS; i++) {
      const { ws, closed } = await open(`utf-${i}`);
      ws.send(Buffer.from([0xff]), { binary: false }); // a text frame that is not UTF-8
      ws.send(Buffer.from([0xfe]), { binary: false });
      expect((await closed).code).toBe(1007);
    }
    await new Promise((r) => setTimeout(r, 100));
    const lines = logs.slice(before).filter((l) => l.context === 'WsAdapter');
    expect(lines.filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(lines.map((l) => ({ level: l.level, code: l.code, msg: l.msg }))).toEqual(
      Array.from({ length: SOCKETS }, () => ({ level: 20, code: 'WS_ERR_INVALID_UTF8', msg: expect.stringMatching(/client's protocol error: Invalid WebSocket frame: invalid UTF-8/) })),
    );
    expect(JSON.stringify(lines)).not.toMatch(/stack|receiver\.js/);
  });
});
