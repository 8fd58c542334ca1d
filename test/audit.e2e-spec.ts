import { keyFingerprint } from '../src/shared/audit';
import { expectProblem, startTestApp, TestApp } from './support/app';

/** Issue 11: every admin action leaves one audit_log row (who, when, what, target, from where, request id). */
const KEY = 'adm-audit-7f3c9e1b2a';
const ADMIN = { 'x-api-key': KEY };

describe('audit log of admin actions', () => {
  let t: TestApp;
  const requestIds: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: KEY } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes a row per admin action, failed ones with their code; a refused key writes nothing', async () => {
    const swap = await t.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'extractive', options: { apiKey: 'sk-never-logged' } }).expect(200);
    requestIds.swap = swap.headers['x-request-id'];
    await t.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'nope' }).expect(400);
    await t.http.put('/v1/admin/models/llm').set({ 'x-api-key': 'wrong' }).send({ provider: 'extractive' }).expect(401);
    await t.http.put('/v1/admin/models/embedder').set(ADMIN).send({ provider: 'hashing', options: { dimension: 256 } }).expect(202);
    await t.http.post('/v1/admin/config/reload').set(ADMIN).expect(200);
    await t.http.post('/v1/admin/sales/seed').set(ADMIN).send({ months: 1, seed: 7 }).expect(200);
    const doc = await t.http.post('/v1/documents').send({ title: 'Férias', text: 'Política de férias: 30 dias por ano.' }).expect(201);
    await t.http.delete(`/v1/documents/${doc.body.id}`).set({ 'x-request-id': 'req-audit-doc-1' }).expect(204);
    const chat = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Quantos dias de férias?' }).expect(200);
    await t.http.delete(`/v1/conversations/${chat.body.conversation_id}`).query({ user_id: 'ana' }).expect(204);
    await t.http.delete('/v1/users/bia/memory').expect(200);

    const res = await t.http.get('/v1/admin/audit').set(ADMIN).expect(200);
    expect(JSON.stringify(res.body)).not.toMatch(new RegExp(`${KEY}|sk-never-logged`));
    const rows = res.body.items as Array<Record<string, unknown>>;
    expect(res.body).toMatchObject({ total: 8, limit: 50, offset: 0 });
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.actor])).toEqual([
      ['user.memory.forget', 'bia', 'ok', 'user:bia'],
      ['conversation.delete', chat.body.conversation_id, 'ok', 'user:ana'],
      ['document.delete', doc.body.id, 'ok', 'anonymous'],
      ['sales.seed', 'sales', 'ok', `key:${keyFingerprint(KEY)}`],
      ['config.reload', 'config', 'ok', `key:${keyFingerprint(KEY)}`],
      ['model.embedder.swap', 'embedder', 'ok', `key:${keyFingerprint(KEY)}`],
      ['model.llm.swap', 'llm', 'failed', `key:${keyFingerprint(KEY)}`],
      ['model.llm.swap', 'llm', 'ok', `key:${keyFingerprint(KEY)}`],
    ]);
    expect(rows[2]).toMatchObject({ request_id: 'req-audit-doc-1', ip: expect.stringMatching(/127\.0\.0\.1$/) });
    expect(rows[6]).toMatchObject({ error_code: 'REQUEST.VALIDATION', details: { provider: 'nope' } });
    expect(rows[7]).toMatchObject({ request_id: requestIds.swap, details: { provider: 'extractive', options: {} } });
    expect(rows[3].details).toEqual({ months: 1, seed: 7 });
    expect(Date.parse(rows[0].at as string)).toBeGreaterThanOrEqual(Date.parse(rows[7].at as string));
  });

  it('filters by action and pages', async () => {
    const swaps = await t.http.get('/v1/admin/audit').query({ action: 'model.llm.swap' }).set(ADMIN).expect(200);
    expect(swaps.body.items.map((r: { outcome: string }) => r.outcome)).toEqual(['failed', 'ok']);
    const page = await t.http.get('/v1/admin/audit').query({ limit: 2, offset: 6 }).set(ADMIN).expect(200);
    expect(page.body).toMatchObject({ total: 8, limit: 2, offset: 6 });
    expect(page.body.items.map((r: { action: string }) => r.action)).toEqual(['model.llm.swap', 'model.llm.swap']);
  });

  it('needs the admin key and answers bad paging with a 400 problem', async () => {
    expectProblem(await t.http.get('/v1/admin/audit'), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await t.http.get('/v1/admin/audit').query({ limit: 0, action: 'DROP TABLE' }).set(ADMIN), 400, 'REQUEST.VALIDATION');
  });
});
