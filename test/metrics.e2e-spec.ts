import type { QueryRunner } from 'typeorm';
import { UsageRecorder } from '../src/modules/metrics';
import { NfcUsageUserIds1768710000000 } from '../src/shared/database/migrations/1768710000000-nfc-usage-user-ids';
import { expectProblem, startTestApp, TestApp } from './support/app';
import { FakeHttpServer } from './support/fake-http.server';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { until } from './support/poll';

const KEY = 'metrics-admin-key';
const DOC = { title: 'Copa do escritório', text: 'A máquina de café da copa é uma Saeco Xelsis. A máquina custou R$ 12.400 e tem manutenção mensal pela empresa Cafés do Sul.' };

/** The value of one Prometheus sample (`name{labels} value`), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('usage and cost: reports, Prometheus, budget alerts', () => {
  let t: TestApp;
  let llm: FakeOpenAiServer;
  let hook: FakeHttpServer;
  const hooks: unknown[] = [];
  const logs: string[] = [];
  const admin = (path: string) => t.http.get(path).set('x-api-key', KEY);
  const flush = () => t.app.get(UsageRecorder).flush();

  beforeAll(async () => {
    llm = new FakeOpenAiServer({ chatModels: ['gpt-4o-mini'] });
    const baseUrl = await llm.start();
    hook = new FakeHttpServer('budget-webhook').route('POST /hook', (ctx) => {
      hooks.push(ctx.body);
      ctx.res.writeHead(204).end();
    });
    const hookUrl = await hook.start();
    t = await startTestApp({
      admin: { apiKey: KEY },
      logging: { level: 'warn' },
      generation: { llm: { provider: 'openai', maxRetries: 0, openai: { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini' } } },
      // the first priced call crosses the daily threshold; the monthly one stays far away
      metrics: { budget: { dailyUsd: 0.000001, monthlyUsd: 1000, webhookUrl: `${hookUrl}/hook` } },
    }, { onLog: (line) => logs.push(line) });
    await t.http.post('/v1/documents').send(DOC).expect(201);
  });
  afterAll(async () => {
    await t?.close();
    await llm?.close();
    await hook?.close();
  });

  it('records /v1/ask and /v1/chat calls; usage groups and report totals equal the sums over usage_records', async () => {
    llm.reply('A máquina de café da copa é uma Saeco Xelsis [1].', 'A máquina custou R$ 12.400 [1].');
    const a1 = await t.http.post('/v1/ask').send({ question: 'Qual é a máquina de café da copa?' }).expect(200);
    const a2 = await t.http.post('/v1/ask').send({ question: 'Quanto custou a máquina de café?' }).expect(200);
    llm.reply('Olá! Posso ajudar com as políticas da empresa.');
    const c1 = await t.http.post('/v1/chat').send({ user_id: 'ana', message: 'Olá, tudo bem?' }).expect(200);
    await flush();

    const askRows = await t.dataSource.query(`SELECT request_id, prompt_tokens, completion_tokens, stages FROM usage_records WHERE operation = 'ask' ORDER BY id`);
    expect(askRows.map((r: { request_id: string }) => r.request_id)).toEqual([a1.headers['x-request-id'], a2.headers['x-request-id']]);
    expect(askRows[0]).toMatchObject({ prompt_tokens: a1.body.usage.prompt_tokens, completion_tokens: a1.body.usage.completion_tokens });
    expect(Object.keys(askRows[0].stages).sort()).toEqual(['embed', 'generate', 'search']);
    const chatRows = await t.dataSource.query(`SELECT count(*)::int AS n FROM usage_records WHERE user_id = 'ana' AND conversation_id = $1`, [c1.body.conversation_id]);
    expect(chatRows[0].n).toBeGreaterThan(0);

    const [sql] = await t.dataSource.query(
      `SELECT count(*)::int AS calls, sum(prompt_tokens)::int AS p, sum(completion_tokens)::int AS c, sum(cost_usd)::float8 AS cost FROM usage_records`,
    );
    const [llmSql] = await t.dataSource.query(
      `SELECT count(*)::int AS calls, sum(prompt_tokens)::int AS p, sum(completion_tokens)::int AS c FROM usage_records WHERE provider = 'openai'`,
    );
    const byModel = (await admin('/v1/metrics/usage?group_by=model').expect(200)).body;
    // the model's calls, and the offline embedder's (ingest and query embeddings, cost 0)
    expect(byModel.groups.map((g: { key: string }) => g.key).sort()).toEqual(['hashing:v1', 'openai:gpt-4o-mini']);
    const gpt = byModel.groups.find((g: { key: string }) => g.key === 'openai:gpt-4o-mini');
    expect(gpt).toMatchObject({ calls: llmSql.calls, prompt_tokens: llmSql.p, completion_tokens: llmSql.c });
    expect(gpt.cost_usd).toBeCloseTo(sql.cost, 8);
    expect(gpt.p95_ms).toBeGreaterThanOrEqual(gpt.p50_ms);
    expect(byModel.groups.find((g: { key: string }) => g.key === 'hashing:v1')).toMatchObject({ cost_usd: 0, completion_tokens: 0 });
    const sum = (k: string) => byModel.groups.reduce((a: number, g: Record<string, number>) => a + g[k], 0);
    expect([sum('calls'), sum('prompt_tokens'), sum('completion_tokens')]).toEqual([sql.calls, sql.p, sql.c]);

    const byUser = (await admin('/v1/metrics/usage?group_by=user').expect(200)).body.groups;
    expect(byUser.map((g: { key: string }) => g.key).sort()).toEqual(['(anonymous)', 'ana']);
    expect(byUser.reduce((a: number, g: { calls: number }) => a + g.calls, 0)).toBe(sql.calls);

    const today = new Date().toISOString().slice(0, 10);
    const byDay = (await admin(`/v1/metrics/usage?group_by=day&from=${today}`).expect(200)).body;
    expect(byDay.groups).toEqual([expect.objectContaining({ key: today, calls: sql.calls })]);
    const none = (await admin('/v1/metrics/usage?group_by=month&to=2000-01-01').expect(200)).body;
    expect(none.groups).toEqual([]);

    const report = (await admin('/v1/metrics/report').expect(200)).body;
    expect(report.totals).toMatchObject({ calls: sql.calls, prompt_tokens: sql.p, completion_tokens: sql.c });
    expect(report.totals.cost_usd).toBeCloseTo(sql.cost, 8);
    expect(report.by_month).toEqual([expect.objectContaining({ key: today.slice(0, 7), calls: sql.calls })]);
    expect(report.stages.map((s: { stage: string }) => s.stage)).toEqual(expect.arrayContaining(['embed', 'search', 'generate']));
    const csv = (await admin('/v1/metrics/report?format=csv').expect(200).expect('content-type', /text\/csv/)).text;
    expect(csv.split('\n')[0]).toBe('section,key,calls,prompt_tokens,completion_tokens,cost_usd,p50_ms,p95_ms,failures');
    expect(csv).toContain(`total,all,${sql.calls},${sql.p},${sql.c},`);
    const html = (await admin('/v1/metrics/report?format=html').expect(200).expect('content-type', /text\/html/)).text;
    expect(html).toContain('<td>openai:gpt-4o-mini</td>');
  });

  it('a group with an unpriced call reports cost_usd null, never 0', async () => {
    await t.dataSource.query(
      `INSERT INTO usage_records (operation, provider, model, prompt_tokens, completion_tokens, ms, cost_usd, user_id) VALUES ('ask', 'openai', 'gpt-unknown', 10, 2, 5, NULL, 'bia')`,
    );
    const groups = (await admin('/v1/metrics/usage?group_by=user').expect(200)).body.groups;
    expect(groups.find((g: { key: string }) => g.key === 'bia')).toMatchObject({ calls: 1, cost_usd: null });
    expect((await admin('/v1/metrics/report').expect(200)).body.totals.cost_usd).toBeNull();
  });

  it('a failed model call is an error row (0 tokens, its code), listed in the report; the request fails as before', async () => {
    llm.http.fail({ type: 'status', status: 500, body: { error: { message: 'boom', type: 'server_error' } } });
    const r = await t.http.post('/v1/ask').send({ question: 'Qual é a máquina de café da copa?' });
    expect(r.status).toBeGreaterThanOrEqual(500);
    await flush();
    const [row] = await t.dataSource.query(`SELECT prompt_tokens, completion_tokens, error FROM usage_records WHERE request_id = $1 AND operation = 'ask'`, [r.headers['x-request-id']]);
    expect(row).toEqual({ prompt_tokens: 0, completion_tokens: 0, error: r.body.code });
    const report = (await admin('/v1/metrics/report').expect(200)).body;
    expect(report.errors).toEqual([{ error: r.body.code, operation: 'ask', count: 1 }]);
  });

  it('the daily budget crossing is logged once, POSTs the webhook once, and shows in the report and readiness', async () => {
    llm.reply('A máquina de café da copa é uma Saeco Xelsis [1].');
    await t.http.post('/v1/ask').send({ question: 'Qual é a máquina de café da copa?' }).expect(200);
    await flush();
    const today = new Date().toISOString().slice(0, 10);
    expect(hooks).toEqual([expect.objectContaining({ event: 'budget.crossed', kind: 'daily', period: today, threshold_usd: 0.000001 })]);
    const warnings = logs.map((l) => JSON.parse(l) as { level: number; event?: string; kind?: string }).filter((l) => l.event === 'budget.crossed');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, kind: 'daily' })]);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details.budget).toMatchObject({ status: 'up', daily: { crossed: true, threshold_usd: 0.000001 }, monthly: { crossed: false, threshold_usd: 1000 } });
    const report = (await admin('/v1/metrics/report').expect(200)).body;
    expect(report.budget.alerts).toEqual([expect.objectContaining({ period: `daily:${today}`, kind: 'daily' })]);
    expect(report.budget.daily.crossed).toBe(true);
  });

  it('GET /metrics: Prometheus text with stage histograms, HTTP counts per route, tokens and cost by model; not versioned', async () => {
    const res = await t.http.get('/metrics').expect(200).expect('content-type', /text\/plain/);
    const text = res.text;
    for (const stage of ['embed', 'search', 'generate']) expect(sample(text, `acervo_stage_duration_seconds_count{stage="${stage}"}`)).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'acervo_http_requests_total{method="POST",route="/v1/ask",status="200"}')).toBe(3);
    expect(sample(text, 'acervo_llm_tokens_total{model="openai:gpt-4o-mini",kind="prompt"}')).toBeGreaterThan(0);
    expect(sample(text, 'acervo_llm_cost_usd_total{model="openai:gpt-4o-mini"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE acervo_http_request_duration_seconds histogram$/m);
    await t.http.get('/v1/metrics').expect(404);
  });

  it('the metrics routes take the admin key; bad queries are 400 problem+json', async () => {
    expectProblem(await t.http.get('/v1/metrics/usage'), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await t.http.get('/v1/metrics/report').set('x-api-key', 'wrong'), 401, 'ADMIN.UNAUTHORIZED');
    expectProblem(await admin('/v1/metrics/usage?group_by=week'), 400, 'REQUEST.VALIDATION');
    expectProblem(await admin('/v1/metrics/usage?from=yesterday'), 400, 'REQUEST.VALIDATION');
    expectProblem(await admin('/v1/metrics/usage?from=2026-12-02&to=2026-12-01'), 400, 'METRICS.INVALID_RANGE');
    expectProblem(await admin('/v1/metrics/report?format=pdf'), 400, 'REQUEST.VALIDATION');
  });

  it('embedding calls are usage rows: the ingest (embed_document) and each ask (embed_query) under their request ids, cost 0 offline', async () => {
    const doc = await t.http.post('/v1/documents').send({ title: 'Estacionamento', text: 'O estacionamento da sede tem vinte vagas para visitantes no subsolo.' }).expect(201);
    llm.reply('O estacionamento tem vinte vagas para visitantes [1].');
    const ask = await t.http.post('/v1/ask').send({ question: 'Quantas vagas de visitantes tem o estacionamento?' }).expect(200);
    await flush();
    const rows = async (requestId: string) =>
      t.dataSource.query(`SELECT operation, provider, model, prompt_tokens, completion_tokens, cost_usd::float8 AS cost FROM usage_records WHERE request_id = $1 ORDER BY id`, [requestId]);
    expect(await rows(doc.headers['x-request-id'])).toEqual([
      { operation: 'embed_document', provider: 'hashing', model: 'v1', prompt_tokens: expect.any(Number), completion_tokens: 0, cost: 0 },
    ]);
    const askRows = await rows(ask.headers['x-request-id']);
    expect(askRows.map((r: { operation: string }) => r.operation).sort()).toEqual(['ask', 'embed_query']);
    const embed = askRows.find((r: { operation: string }) => r.operation === 'embed_query');
    expect(embed).toMatchObject({ provider: 'hashing', model: 'v1', completion_tokens: 0, cost: 0 });
    expect(embed.prompt_tokens).toBeGreaterThan(0);
    // the report's totals are still the sums over the rows
    const [sql] = await t.dataSource.query(`SELECT count(*)::int AS calls, sum(prompt_tokens)::int AS p FROM usage_records`);
    expect((await admin('/v1/metrics/report').expect(200)).body.totals).toMatchObject({ calls: sql.calls, prompt_tokens: sql.p });
  });

  it('usage rows whose write fails are kept and written again after a backoff: every row arrives, none counted lost', async () => {
    // the table is gone for a while (as when the embedded database is held): every write of the batches fails
    await t.dataSource.query(`ALTER TABLE usage_records RENAME TO usage_records_away`);
    const asks: string[] = [];
    try {
      // questions not asked before (a cached answer calls nothing)
      for (const question of ['Quem faz a manutenção da máquina de café?', 'Qual a marca da máquina de café da copa?', 'Quanto custou a máquina de café da copa?']) {
        llm.reply('A máquina de café da copa é uma Saeco Xelsis [1].');
        asks.push((await t.http.post('/v1/ask').send({ question }).expect(200)).headers['x-request-id']);
      }
      const waiting = await until(async () => sample((await t.http.get('/metrics')).text, 'acervo_usage_rows_pending'), (n) => n >= 6, 'the failed rows to wait for a retry');
      // each ask: its embed_query and its ask row
      expect(waiting).toBe(6);
      expect(logs.some((l) => l.includes('usage rows could not be stored: kept and written again'))).toBe(true);
    } finally {
      await t.dataSource.query(`ALTER TABLE usage_records_away RENAME TO usage_records`);
    }
    // the retry timer writes them (no flush here)
    const rows = await until(
      async () => (await t.dataSource.query(`SELECT request_id, operation FROM usage_records WHERE request_id = ANY($1) ORDER BY id`, [asks])) as Array<{ request_id: string; operation: string }>,
      (r) => r.length >= 6,
      'the retried rows to be stored',
    );
    for (const id of asks) expect(rows.filter((r) => r.request_id === id).map((r) => r.operation).sort()).toEqual(['ask', 'embed_query']);
    const text = (await t.http.get('/metrics')).text;
    expect(sample(text, 'acervo_usage_rows_pending')).toBe(0);
    expect(sample(text, 'acervo_usage_rows_lost_total')).toBe(0);
  });

  it('a request whose client goes away before the answer is counted with status 499 and its duration', async () => {
    const aborted = 'acervo_http_requests_total{method="POST",route="/v1/ask",status="499"}';
    const durations = 'acervo_http_request_duration_seconds_count{method="POST",route="/v1/ask"}';
    const before = (await t.http.get('/metrics')).text;
    // the model holds the answer: the client gives up after 300 ms and closes its connection
    llm.http.fail({ type: 'hang' });
    await expect(t.http.post('/v1/ask').send({ question: 'Qual é a garantia da máquina de café?' }).timeout(300)).rejects.toThrow(/timeout/i);
    const after = await until(async () => (await t.http.get('/metrics')).text, (text) => sample(text, aborted) > sample(before, aborted), 'the aborted request to be counted', 10_000);
    expect(sample(after, aborted) - sample(before, aborted)).toBe(1);
    expect(sample(after, durations) - sample(before, durations)).toBe(1);
  });

  it("an embedder swap's warm-up request is a usage row (embed_warmup): every request the paid embedder got is a row", async () => {
    llm.reset();
    const swap = await t.http
      .put('/v1/admin/models/embedder')
      .set('x-api-key', KEY)
      .send({ provider: 'openai', model: 'text-embedding-3-small', options: { baseUrl: llm.baseUrl, apiKey: 'sk-test', dimension: 16 } })
      .expect(202);
    for (const job of swap.body.jobs as Array<{ id: string }>) {
      await until(async () => (await admin(`/v1/admin/reindex/${job.id}`)).body.status, (s) => s === 'completed' || s === 'failed', `re-index ${job.id}`);
    }
    await flush();
    const rows: Array<{ operation: string; request_id: string | null }> = await t.dataSource.query(
      `SELECT operation, request_id FROM usage_records WHERE provider = 'openai' AND model = 'text-embedding-3-small' ORDER BY id`,
    );
    expect(rows.filter((r) => r.operation === 'embed_warmup')).toEqual([{ operation: 'embed_warmup', request_id: swap.headers['x-request-id'] }]);
    // one embed() call a request here (a few small chunks): the fake's count is the rows'
    expect(rows).toHaveLength(llm.embeddingRequests().length);
  }, 60_000);

  it('usage rows written for a user id sent decomposed (NFD) before the fix are composed by a migration: one user in the reports', async () => {
    const nfd = 'joão'.normalize('NFD');
    expect(nfd).not.toBe('joão');
    // rows of long ago (outside every other test's day), two written decomposed before user ids were composed, one composed
    for (const user of [nfd, nfd, 'joão']) {
      await t.dataSource.query(
        `INSERT INTO usage_records (operation, provider, model, prompt_tokens, completion_tokens, ms, cost_usd, user_id, at) VALUES ('chat', 'openai', 'gpt-4o-mini', 10, 5, 1, 0, $1, '2001-02-03T12:00:00Z')`,
        [user],
      );
    }
    const range = 'from=2001-02-01&to=2001-03-01';
    expect((await admin(`/v1/metrics/usage?group_by=user&${range}`).expect(200)).body.groups).toHaveLength(2);
    // the boot ran it (the app's migration list holds it); run again here on the rows written since
    expect(await t.dataSource.query(`SELECT name FROM schema_migrations WHERE name = 'NfcUsageUserIds1768710000000'`)).toHaveLength(1);
    await new NfcUsageUserIds1768710000000().up({ query: (sql: string) => t.dataSource.query(sql) } as unknown as QueryRunner);
    const groups = (await admin(`/v1/metrics/usage?group_by=user&${range}`).expect(200)).body.groups;
    expect(groups).toEqual([expect.objectContaining({ key: 'joão', calls: 3, prompt_tokens: 30, completion_tokens: 15 })]);
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM usage_records WHERE user_id = $1`, [nfd])).toEqual([{ n: 0 }]);
  });

  it('a usage row Postgres refuses (a NUL in its text) is dropped alone and counted lost; the other rows of its batch are stored at once', async () => {
    const lostBefore = sample((await t.http.get('/metrics')).text, 'acervo_usage_rows_lost_total');
    const call = (requestId: string, userId: string) => ({ operation: 'chat', modelId: 'openai:gpt-4o-mini', promptTokens: 7, completionTokens: 3, ms: 1, userId, requestId });
    const ids = Array.from({ length: 6 }, (_, i) => `poison-batch-${i}`);
    t.app.get(UsageRecorder).record(ids.map((id, i) => call(id, i === 2 ? 'zelda\u0000secret' : 'caio')));
    await flush();
    const rows: Array<{ request_id: string }> = await t.dataSource.query(`SELECT request_id FROM usage_records WHERE request_id = ANY($1) ORDER BY request_id`, [ids]);
    expect(rows.map((r) => r.request_id)).toEqual(ids.filter((_, i) => i !== 2));
    expect(t.app.get(UsageRecorder).retrying).toBe(0);
    const text = (await t.http.get('/metrics')).text;
    expect(sample(text, 'acervo_usage_rows_lost_total') - lostBefore).toBe(1);
    expect(sample(text, 'acervo_usage_rows_pending')).toBe(0);
    const warned = logs.filter((l) => l.includes('usage row dropped'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/SQLSTATE 22/);
    expect(warned[0]).toContain('poison-batch-2');
    expect(warned[0]).not.toContain('zelda');
  });
});
