import { type AddressInfo, connect as connectTcp } from 'node:net';
import { expectOpenAiError, expectProblem, startTestApp, TestApp } from './support/app';
import { connectWs, WsEvent, wsTurn } from './support/ws-client';

/**
 * Issue 11's limits, on one app with auth.mode required: per-user daily token quotas (counted from the usage
 * records of the UTC day, 429 QUOTA.EXCEEDED with Retry-After to UTC midnight); the WebSocket chat's
 * authentication at the handshake (4401 without a valid credential; a user key chats as its user, in its
 * collections, within its quota); CORS from http.cors.origins, Helmet's headers (Swagger UI still loads) and
 * JSON bodies limited per route (413 problem+json).
 */
const ORIGIN = 'https://intranet.example.com';
const ADMIN = 'quota-ws-admin-key';
const QUESTION = 'Quantos dias de férias posso vender?';

describe('Quotas, WebSocket auth, CORS, security headers and body limits (auth.mode required)', () => {
  let t: TestApp;
  let url = '';
  const key: Record<'cota' | 'livre' | 'outra' | 'rajada' | 'rajada-ws' | 'fugaz', string> = { cota: '', livre: '', outra: '', rajada: '', 'rajada-ws': '', fugaz: '' };
  const as = (who: keyof typeof key | 'admin') => ({ 'x-api-key': who === 'admin' ? ADMIN : key[who] });

  beforeAll(async () => {
    t = await startTestApp({
      admin: { apiKey: ADMIN },
      auth: { mode: 'required' },
      quota: { users: { cota: 1000, rajada: 400, 'rajada-ws': 400, fugaz: 2500 } },
      http: { cors: { origins: [ORIGIN] }, json: { maxBytes: 64 * 1024 } },
    });
    for (const who of Object.keys(key) as Array<keyof typeof key>) {
      key[who] = (await t.http.post('/v1/admin/keys').set(as('admin')).send({ role: 'user', user_id: who }).expect(201)).body.key;
    }
    await t.http.post('/v1/documents').set(as('admin')).send({ title: 'Política de férias', text: 'O colaborador pode vender até 10 dias de férias por ano.' }).expect(201);
    await t.http.put('/v1/collections/default').set(as('admin')).send({ visibility: 'public' }).expect(200);
    // outra's first ingest claims a private collection.
    await t.http.post('/v1/documents').set(as('outra')).send({ collection: 'outra-rh', title: 'Salários', text: 'A folha da Outra fecha no dia 20.' }).expect(201);
    await t.app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/v1/chat/ws`;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses a user's model calls once today's tokens reach the quota: 429 with the quota, used, reset and Retry-After", async () => {
    // Yesterday's tokens do not count; today's (another replica's, say) do: 990 of 1000.
    await t.dataSource.query(
      `INSERT INTO usage_records (operation, provider, model, prompt_tokens, completion_tokens, ms, user_id, at) VALUES
        ('ask', 'openai', 'gpt-4o-mini', 50000, 0, 10, 'cota', date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 minute'),
        ('ask', 'openai', 'gpt-4o-mini', 900, 90, 10, 'cota', now())`,
    );
    await t.http.post('/v1/ask').set(as('cota')).send({ question: QUESTION }).expect(200);

    // That answer's tokens count at once in this process (the figure is cached for quota.cacheSeconds).
    const refused = await t.http.post('/v1/ask').set(as('cota')).send({ question: QUESTION });
    const body = expectProblem(refused, 429, 'QUOTA.EXCEEDED');
    const now = new Date();
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    expect(body).toMatchObject({ quota: 1000, reset_at: new Date(midnight).toISOString() });
    expect(body.used).toBeGreaterThan(990);
    expect(body).not.toHaveProperty('retryAfterSeconds');
    const retry = Number(refused.headers['retry-after']);
    expect(Math.abs(retry - (midnight - now.getTime()) / 1000)).toBeLessThan(10);

    expectProblem(await t.http.post('/v1/chat').set(as('cota')).send({ message: QUESTION }), 429, 'QUOTA.EXCEEDED');
    expect(expectOpenAiError(await t.http.post('/v1/chat/completions').set(as('cota')).send({ model: 'acervo', messages: [{ role: 'user', content: QUESTION }] }), 429, 'QUOTA.EXCEEDED').type).toBe('insufficient_quota');
    // Routes that run no model, and users without a quota (quota.dailyTokens 0), are not affected.
    await t.http.post('/v1/search').set(as('cota')).send({ query: 'férias', mode: 'text' }).expect(200);
    await t.http.post('/v1/ask').set(as('livre')).send({ question: QUESTION }).expect(200);
  });

  it('admits parallel calls of a user only while its quota holds: 20 chats at once pass no more than sequential ones would', async () => {
    // rajada's quota is 400 tokens; a chat turn here spends ~170, so one after another 3 calls pass (0, ~170, ~340 used before each).
    const answers = await Promise.all(Array.from({ length: 20 }, () => t.http.post('/v1/chat').set(as('rajada')).send({ message: QUESTION })));
    const ok = answers.filter((r) => r.status === 200);
    for (const r of answers.filter((a) => a.status !== 200)) expectProblem(r, 429, 'QUOTA.EXCEEDED');
    const perCall = Math.min(...ok.map((r) => r.body.tokens_used as number));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(Math.ceil(400 / perCall));
    // The reservations are given back when the calls end: what is spent is what the answers used, and the quota says so.
    const spent = ok.reduce((sum, r) => sum + (r.body.tokens_used as number), 0);
    const again = await t.http.post('/v1/chat').set(as('rajada')).send({ message: QUESTION });
    expect(again.status).toBe(spent >= 400 ? 429 : 200);

    // The same over one WebSocket: 10 turns sent at once.
    const { ws } = await connectWs(url, ['bearer', key['rajada-ws']]);
    const ends = new Map<string, WsEvent>();
    await new Promise<void>((resolve) => {
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString()) as WsEvent;
        if ((e.event === 'done' || e.event === 'error') && e.turn) ends.set(e.turn, e);
        if (ends.size === 10) resolve();
      });
      for (let i = 0; i < 10; i++) ws.send(JSON.stringify({ event: 'chat', data: { message: QUESTION, turn: `r${i}` } }));
    });
    ws.close();
    const done = [...ends.values()].filter((e) => e.event === 'done');
    expect([...ends.values()].filter((e) => e.event === 'error').every((e) => e.data.code === 'QUOTA.EXCEEDED')).toBe(true);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThanOrEqual(Math.ceil(400 / Math.min(...done.map((e) => e.data.tokens_used as number))));
  });

  it('gives back the reservation of a client that hung up before the quota was read (it was held until a restart)', async () => {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const body = JSON.stringify({ question: QUESTION });
    // the whole request written, then the connection dropped at once: its close comes while the guards still await
    const hangUp = () =>
      new Promise<void>((resolve) => {
        const socket = connectTcp(port, '127.0.0.1', () => {
          socket.write(
            `POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-api-key: ${key.fugaz}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
            () => socket.destroy(),
          );
        });
        socket.on('close', () => resolve());
      });
    // fugaz's quota is 2500 and a call holds quota.reserveTokens (1000): three held for good would refuse the next call
    for (let i = 0; i < 3; i++) await hangUp();
    await new Promise((r) => setTimeout(r, 1000));
    await t.http.post('/v1/ask').set(as('fugaz')).send({ question: QUESTION }).expect(200);
  });

  const connect = connectWs;
  const turn = wsTurn;

  it('closes a WebSocket without a valid credential with 4401', async () => {
    for (const target of [url, `${url}?access_token=acv_not-a-key`]) {
      const { ws, closed } = await connect(target);
      ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'cota', message: QUESTION } }));
      expect(await closed).toEqual({ code: 4401, reason: target === url ? 'AUTH.REQUIRED' : 'AUTH.INVALID_CREDENTIALS' });
    }
  });

  it('closes a WebSocket opened by a page of another origin with 4403, even with a valid key; its own origin and http.cors.origins chat', async () => {
    const evil = await connect(url, ['bearer', key.livre], { origin: 'https://evil.example' });
    expect(await evil.closed).toEqual({ code: 4403, reason: 'AUTH.ORIGIN_NOT_ALLOWED' });
    const own = `http://${new URL(url).host}`;
    for (const origin of [ORIGIN, own]) {
      const { ws } = await connect(url, ['bearer', key.livre], { origin });
      const events = await turn(ws, { message: QUESTION });
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { response: expect.stringMatching(/10 dias/) } });
      ws.close();
    }
  });

  it('chats as the key\'s user (Sec-WebSocket-Protocol bearer), only in readable collections, within the quota', async () => {
    const { ws } = await connect(url, ['bearer', key.livre]);
    expect(ws.protocol).toBe('bearer');
    const events = await turn(ws, { message: QUESTION });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.response).toMatch(/10 dias/);
    // The conversation is the key's user's: listed for livre over HTTP.
    const mine = await t.http.get('/v1/conversations').set(as('livre')).expect(200);
    expect(mine.body.items.map((c: { id: string }) => c.id)).toContain(done.data.conversation_id);

    const crossing = await turn(ws, { message: 'Quando fecha a folha?', collection: 'outra-rh' });
    expect(crossing.at(-1)).toMatchObject({ event: 'error', data: { status: 404, code: 'RETRIEVAL.COLLECTION_NOT_FOUND' } });
    const other = await turn(ws, { user_id: 'outra', message: QUESTION });
    expect(other.at(-1)).toMatchObject({ event: 'error', data: { status: 403, code: 'AUTH.USER_MISMATCH' } });
    ws.close();

    // The other forms of the credential: ?access_token= and the Authorization header; cota is over its quota.
    for (const [target, headers] of [[`${url}?access_token=${key.cota}`, undefined], [url, { authorization: `Bearer ${key.cota}` }]] as const) {
      const c = await connect(target, undefined, headers);
      const refused = await turn(c.ws, { message: QUESTION });
      expect(refused.at(-1)).toMatchObject({ event: 'error', data: { status: 429, code: 'QUOTA.EXCEEDED', quota: 1000 } });
      c.ws.close();
    }
  });

  it('answers a preflight from an allowed origin, and leaves a refused origin without CORS headers', async () => {
    const preflight = (origin: string) =>
      t.http.options('/v1/search').set({ origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key,content-type' });
    const allowed = await preflight(ORIGIN).expect(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': ORIGIN, 'access-control-max-age': '600' });
    expect(allowed.headers['access-control-allow-headers']).toMatch(/x-api-key/);
    expect(allowed.headers['access-control-allow-methods']).toMatch(/POST/);
    const refused = await preflight('https://evil.example.net');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const call = await t.http.post('/v1/search').set({ ...as('livre'), origin: ORIGIN }).send({ query: 'férias', mode: 'text' }).expect(200);
    expect(call.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(call.headers['access-control-expose-headers']).toMatch(/x-request-id/);
    expect(call.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("sends Helmet's headers on answers and problems, and Swagger UI at /docs still loads under its CSP", async () => {
    for (const res of [await t.http.get('/health/live').expect(200), await t.http.post('/v1/search').send({ query: 'x' }).expect(401)]) {
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer' });
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    }
    const page = await t.http.get('/docs/').expect(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    // The page runs only scripts it loads from itself (no inline script, which the CSP would block), and they load.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(body.trim()).toBe('');
      const src = /src=["']([^"']+)["']/.exec(attrs)![1];
      expect(src).not.toMatch(/^https?:/);
      await t.http.get(new URL(src, 'http://acervo.local/docs/').pathname).expect(200);
    }
    expect((await t.http.get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
  });

  it('limits JSON bodies per route: 413 problem+json past http.json.maxBytes, text ingestion up to the upload limit', async () => {
    const big = 'palavra '.repeat(10_000); // 80 KB: over the suite's 64 KiB JSON limit, under the 1 MiB upload limit
    const tooLarge = expectProblem(await t.http.post('/v1/search').set(as('livre')).send({ query: big }), 413, 'REQUEST.TOO_LARGE');
    expect(tooLarge).toMatchObject({ limit_bytes: 65536, detail: expect.stringContaining('http.json.maxBytes') });
    // Refused before any credential is looked at: the body is read first.
    expectProblem(await t.http.post('/v1/ask').send({ question: big }), 413, 'REQUEST.TOO_LARGE');
    await t.http.post('/v1/documents').set(as('livre')).send({ collection: 'livre-docs', title: 'Longo', text: big }).expect(201);
  });
});
