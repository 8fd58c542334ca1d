import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { UsageRecorder } from '../src/modules/metrics';
import { startTestApp, TestApp } from './support/app';

/**
 * Embedding usage is the user's (probe, session 14): the embed_document rows of a user's ingest (in the request, or
 * in the job it queued) and the embed_query rows of their questions carry their user id, so the per-user report adds
 * up; the daily token quota still counts model calls only.
 */
const ADMIN = 'usage-attribution-admin-key';

describe('embedding usage attributed to the user (auth.mode required)', () => {
  let t: TestApp;
  let ana = '';
  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: ADMIN }, auth: { mode: 'required' }, quota: { users: { ana: 10000 } } });
    ana = (await t.http.post('/v1/admin/keys').set('x-api-key', ADMIN).send({ role: 'user', user_id: 'ana' }).expect(201)).body.key;
  });
  afterAll(async () => t?.close());

  it("records ana's ingests (in the request and in a job) and query embeddings as ana's, outside her model-call quota", async () => {
    const as = { 'x-api-key': ana };
    // ~60k characters: about 15,000 estimated embedding tokens, past her quota of 10,000 tokens of model calls (an
    // extractive answer's prompt is ~2,000)
    const text = 'O reembolso de hospedagem para gerentes é de até R$ 400 por noite na região Sudeste. '.repeat(700);
    await t.http.post('/v1/documents').set(as).send({ collection: 'rh-ana', title: 'Hospedagem', text }).expect(201);
    const queued = await t.http.post('/v1/documents?async=true').set(as).send({ collection: 'rh-ana', title: 'Férias', text: 'Trinta dias de férias por ano, em até três períodos.' });
    expect(queued.status).toBe(202);
    for (let i = 0; ; i++) {
      const job = await t.http.get(`/v1/jobs/${queued.body.job_id}`).set(as).expect(200);
      if (job.body.state === 'completed') break;
      expect(job.body.state).not.toBe('failed');
      expect(i).toBeLessThan(600);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const question of ['Qual é o reembolso de hospedagem para gerentes?', 'Quantos dias de férias por ano?']) {
      await t.http.post('/v1/ask').set(as).send({ collection: 'rh-ana', question }).expect(200);
    }
    await t.http.post('/v1/search').set(as).send({ collection: 'rh-ana', query: 'férias' }).expect(200);
    await t.app.get(UsageRecorder).flush();

    const rows: Array<{ operation: string; user_id: string | null; n: number; tokens: number }> = await t.dataSource.query(
      `SELECT operation, user_id, count(*)::int AS n, sum(prompt_tokens)::int AS tokens FROM usage_records WHERE operation LIKE 'embed%' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    // every embedding row is ana's: her ingests' (the request's and the job's: ingest-job.worker.spec.ts for a job
    // another request woke up) and a query embedding per question and search
    expect(rows.map(({ operation, user_id }) => [operation, user_id])).toEqual([
      ['embed_document', 'ana'],
      ['embed_query', 'ana'],
    ]);
    expect(rows[0].tokens).toBeGreaterThan(14000);
    expect(rows[1].n).toBe(3);

    const byUser = (await t.http.get('/v1/metrics/usage?group_by=user').set('x-api-key', ADMIN).expect(200)).body.groups as Array<{ key: string; calls: number }>;
    const [all] = await t.dataSource.query(`SELECT count(*)::int AS n FROM usage_records WHERE user_id = 'ana'`);
    expect(byUser.find((g) => g.key === 'ana')?.calls).toBe(all.n);
    expect(byUser.find((g) => g.key === '(anonymous)')).toBeUndefined();
    // her embedding tokens are in the report, not in the quota of model calls: she still asks
    await t.http.post('/v1/ask').set(as).send({ collection: 'rh-ana', question: 'Qual é o reembolso de hospedagem por noite?' }).expect(200);
  });
});

describe('a chat turn\'s embeddings are its user\'s, over HTTP in open mode and over the WebSocket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await t.http.post('/v1/documents').send({ title: 'Férias', text: 'O colaborador pode vender até 10 dias de férias por ano.' }).expect(201);
  });
  afterAll(async () => t?.close());

  it('records the query embedding of /v1/chat (body user_id) and of a WebSocket turn with the user and the turn\'s request id', async () => {
    const http = await t.http.post('/v1/chat').send({ user_id: 'rui', message: 'Quantos dias de férias posso vender?' }).expect(200);
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/chat/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ event: 'chat', data: { user_id: 'lia', message: 'Posso vender parte das minhas férias?' } })));
      ws.on('message', (m) => {
        const e = JSON.parse(m.toString());
        if (e.event === 'done') resolve();
        if (e.event === 'error') reject(new Error(JSON.stringify(e.data)));
      });
      ws.on('error', reject);
    });
    ws.close();
    await t.app.get(UsageRecorder).flush();
    // (another question than the HTTP one: a question embedded once is not embedded again)
    const rows: Array<{ user_id: string | null; request_id: string | null; operation: string }> = await t.dataSource.query(
      `SELECT user_id, request_id, operation FROM usage_records WHERE operation = 'embed_query' ORDER BY id`,
    );
    expect(rows.map((r) => r.user_id)).toEqual(['rui', 'lia']);
    expect(rows[0].request_id).toBe(http.headers['x-request-id']);
    // the WebSocket turn's id: the one its model-call rows carry, not none
    const [turn] = await t.dataSource.query(`SELECT DISTINCT request_id FROM usage_records WHERE user_id = 'lia' AND operation <> 'embed_query'`);
    expect(rows[1].request_id).toBeTruthy();
    if (turn) expect(rows[1].request_id).toBe(turn.request_id);
  });
});
