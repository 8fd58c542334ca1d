import * as jose from 'jose';
import { expectProblem, startTestApp, TestApp } from './support/app';
import { connectWs, listenWithPolicy, nextWsEvents, WsEvent, wsTurn } from './support/ws-client';

/**
 * The WebSocket chat held to HTTP's rules after the handshake (probe findings 8 and 14): the credential is verified
 * again at each turn (a key revoked or a JWT expired since is answered 401 and the socket closed with 4401), every
 * message obeys http.json (size, depth, keys; malformed ones answered with a 400 error event) and each turn counts in
 * http.backpressure's in-flight budget, shed with HTTP's 503 REQUEST.OVERLOADED.
 */
const ADMIN = 'ws-sessions-admin-key';
const SECRET = 'a-ws-sessions-secret-of-at-least-32-bytes';
const QUESTION = 'Quantos dias de férias posso vender?';
const MAX_IN_FLIGHT = 4;
const AUTH_FAILURES = 10;

describe('WebSocket sessions: credentials at each turn, message limits, load shedding (auth.mode required)', () => {
  let t: TestApp;
  let url = '';

  beforeAll(async () => {
    t = await startTestApp({
      admin: { apiKey: ADMIN },
      auth: { mode: 'required', jwt: { secret: SECRET, clockToleranceSeconds: 0 } },
      http: { json: { maxBytes: 16 * 1024 }, backpressure: { maxInFlight: MAX_IN_FLIGHT } },
      rateLimit: { authFailuresPerIpPerMinute: AUTH_FAILURES },
    });
    url = await listenWithPolicy(t, ADMIN);
  });
  afterAll(async () => {
    await t?.close();
  });

  const expectRefusedThenClosed = async (events: WsEvent[], closed: Promise<{ code: number; reason: string }>) => {
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { status: 401, code: 'AUTH.INVALID_CREDENTIALS' } });
    expect(events.some((e) => e.event === 'token' || e.event === 'done')).toBe(false);
    expect(await closed).toEqual({ code: 4401, reason: 'AUTH.INVALID_CREDENTIALS' });
  };

  it('refuses the next turn of a socket whose key was revoked: 401 as over HTTP, then closes with 4401', async () => {
    const created = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'caio' }).expect(201);
    const { ws, closed } = await connectWs(url, ['bearer', created.body.key]);
    expect((await wsTurn(ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done', data: { response: expect.stringMatching(/10 dias/) } });

    await t.http.delete(`/v1/admin/keys/${created.body.id}`).set('x-api-key', ADMIN).expect(204);
    expectProblem(await t.http.post('/v1/chat').set('x-api-key', created.body.key).send({ message: QUESTION }), 401, 'AUTH.INVALID_CREDENTIALS');
    await expectRefusedThenClosed(await wsTurn(ws, { message: QUESTION }), closed);
  });

  it('refuses the next turn of a socket whose JWT expired (exp + auth.jwt.clockToleranceSeconds): 401, then 4401', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new jose.SignJWT({ sub: 'dora' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
    const { ws, closed } = await connectWs(url, undefined, { authorization: `Bearer ${token}` });
    expect((await wsTurn(ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });

    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1100));
    expectProblem(await t.http.post('/v1/chat').set('authorization', `Bearer ${token}`).send({ message: QUESTION }), 401, 'AUTH.INVALID_CREDENTIALS');
    await expectRefusedThenClosed(await wsTurn(ws, { message: QUESTION }), closed);
  });

  it('refuses a JWT without exp (it would never expire) with 401 naming the claim, over HTTP and at the WebSocket handshake', async () => {
    const forever = await new jose.SignJWT({ sub: 'dora' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    const res = expectProblem(await t.http.post('/v1/search').set('authorization', `Bearer ${forever}`).send({ query: 'férias', mode: 'text' }), 401, 'AUTH.INVALID_CREDENTIALS');
    expect(res.detail).toMatch(/no exp claim.*auth\.jwt\.requireExp/);
    const { closed } = await connectWs(url, undefined, { authorization: `Bearer ${forever}` });
    expect(await closed).toEqual({ code: 4401, reason: 'AUTH.INVALID_CREDENTIALS' });
  });

  it("answers messages outside http.json's limits or not chat messages with a problem error event; the socket stays usable", async () => {
    const created = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'eva' }).expect(201);
    const { ws } = await connectWs(url, ['bearer', created.body.key]);
    const cases: Array<[string, number, string]> = [
      [JSON.stringify({ event: 'chat', data: { message: 'x'.repeat(17 * 1024) } }), 413, 'REQUEST.TOO_LARGE'],
      ['['.repeat(5_000) + ']'.repeat(5_000), 400, 'REQUEST.JSON_TOO_DEEP'],
      [JSON.stringify({ event: 'chat', data: { ...Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`k${i}`, 1])), message: 'x' } }), 413, 'REQUEST.JSON_TOO_MANY_KEYS'],
      ['{bad', 400, 'REQUEST.MALFORMED_JSON'],
      ['null', 400, 'REQUEST.VALIDATION'],
      ['[]', 400, 'REQUEST.VALIDATION'],
      ['"chat"', 400, 'REQUEST.VALIDATION'],
      [JSON.stringify({ event: 'hello', data: {} }), 400, 'REQUEST.VALIDATION'],
      [JSON.stringify({ event: 'constructor', data: {} }), 400, 'REQUEST.VALIDATION'],
      [JSON.stringify({ data: { message: QUESTION } }), 400, 'REQUEST.VALIDATION'],
    ];
    for (const [frame, status, code] of cases) {
      const answer = nextWsEvents(ws, 1);
      ws.send(frame);
      const [e] = await answer;
      expect({ frame: frame.slice(0, 40), event: e.event, status: e.data.status, code: e.data.code }).toEqual({ frame: frame.slice(0, 40), event: 'error', status, code });
      expect(e.data).toMatchObject({ type: expect.stringContaining('http'), title: expect.any(String), detail: expect.any(String) });
    }
    // A binary frame is no chat message either.
    const binary = nextWsEvents(ws, 1);
    ws.send(Buffer.from([0xff, 0x00, 0x01]), { binary: true });
    expect((await binary)[0]).toMatchObject({ event: 'error', data: { status: 400 } });
    // The socket still chats.
    expect((await wsTurn(ws, { message: QUESTION, turn: 'after' })).at(-1)).toMatchObject({ event: 'done', turn: 'after' });
    ws.close();
  });

  it("counts WebSocket turns in http.backpressure's in-flight budget: turns past it get HTTP's 503 REQUEST.OVERLOADED", async () => {
    const created = await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'fabio' }).expect(201);
    const { ws } = await connectWs(url, ['bearer', created.body.key]);
    const TURNS = 30;
    const last = new Map<string, WsEvent>();
    const all = new Promise<void>((resolve) =>
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString()) as WsEvent;
        if ((e.event === 'done' || e.event === 'error') && e.turn) last.set(e.turn, e);
        if (last.size === TURNS) resolve();
      }),
    );
    for (let i = 0; i < TURNS; i++) ws.send(JSON.stringify({ event: 'chat', data: { message: QUESTION, turn: `t${i}` } }));
    await all;
    const outcomes = [...last.values()].map((e) => (e.event === 'done' ? 'done' : `${e.data.status} ${e.data.code}`));
    const shed = outcomes.filter((o) => o === '503 REQUEST.OVERLOADED').length;
    const done = outcomes.filter((o) => o === 'done').length;
    expect(done + shed).toBe(TURNS); // nothing else: no 500
    expect(done).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
    expect(shed).toBeGreaterThan(0);
    // The budget is free again once the turns end: HTTP is served, the socket chats.
    await t.http.post('/v1/search').set('x-api-key', created.body.key).send({ query: 'férias', mode: 'text' }).expect(200);
    expect((await wsTurn(ws, { message: QUESTION })).at(-1)).toMatchObject({ event: 'done' });
    ws.close();
  });

  // Last: it leaves 127.0.0.1 refused for a minute.
  it('answers 429 with Retry-After to an address past rateLimit.authFailuresPerIpPerMinute refused credentials, a right one included', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURES + 2 && !statuses.includes(429); i++) {
      statuses.push((await t.http.post('/v1/search').set('x-api-key', `acv_guess${i}`).send({ query: 'férias' })).status);
    }
    // the earlier tests' refused credentials (a revoked key, expired and exp-less tokens) count in the same minute
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.length).toBeLessThanOrEqual(AUTH_FAILURES + 1);
    const refused = await t.http.post('/v1/search').set('x-api-key', ADMIN).send({ query: 'férias' });
    expect(expectProblem(refused, 429, 'RATE_LIMIT.EXCEEDED').detail).toMatch(/refused credentials.*authFailuresPerIpPerMinute/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const { closed } = await connectWs(url, ['bearer', ADMIN]);
    expect(await closed).toEqual({ code: 4429, reason: 'RATE_LIMIT.EXCEEDED' });
    // without a credential nothing changes: required mode asks for one
    expectProblem(await t.http.post('/v1/search').send({ query: 'férias' }), 401, 'AUTH.REQUIRED');
  });
});
