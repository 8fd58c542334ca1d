import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigDir } from '../src/shared/config';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { SERVER_MODE, startTestApp, TestApp } from './support/app';
import { startRedis, TestRedis } from './support/redis';

/**
 * Issue 10, replicas and configuration: three app processes' worth of Nest apps on ONE database (the first one's
 * embedded PGlite, reached by the others through its socket; or CI's Postgres-protocol server), with sharing on.
 * A and B hear of changes through Redis pub/sub (a real redis-server); C, started later, without Redis, by polling
 * the version (what a PGlite-served database gets: it cannot deliver LISTEN/NOTIFY). Swaps and reloads on one are
 * followed by the others; one started after the swap comes up on it; config.watch applies an edited YAML and
 * ignores a broken one.
 */
describe('replicas share the active models; config.watch', () => {
  const KEY = 'sk-test-123456789';
  const ADMIN = { 'x-api-key': 'k' };
  const fake = new FakeOpenAiServer({ apiKey: KEY });
  const dir = mkdtempSync(join(tmpdir(), 'acervo-replicas-config-'));
  const saved = Object.fromEntries(['CONFIG_DIR', 'APP_PROFILES', 'ADMIN_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY'].map((k) => [k, process.env[k]]));
  const logsA: string[] = [];
  let a: TestApp;
  let b: TestApp;
  let c: TestApp | undefined;
  let redis: TestRedis;

  const edit = (file: string, from: string, to: string) => {
    const path = join(dir, file);
    const yaml = readFileSync(path, 'utf8');
    expect(yaml).toContain(from);
    writeFileSync(path, yaml.replace(from, to));
  };
  /** Polls until `check` passes (up to `ms`). */
  const within = async (ms: number, check: () => Promise<void>): Promise<void> => {
    const started = Date.now();
    for (;;) {
      try {
        return await check();
      } catch (e) {
        if (Date.now() - started > ms) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const info = async (t: TestApp) => (await t.http.get('/v1/model-info').expect(200)).body;

  beforeAll(async () => {
    await fake.start();
    cpSync(defaultConfigDir(), dir, { recursive: true });
    // the test profile keeps sharing off for the other suites; here it is on, and every instance watches the files
    edit('test.yaml', 'replicas:\n  shareModels: false', 'replicas:\n  shareModels: true\nconfig:\n  watch: true\n  debounceMs: 200');
    edit('test.yaml', 'level: ${LOG_LEVEL:error}', 'level: warn'); // the watcher's and the follower's warnings are asserted
    Object.assign(process.env, { CONFIG_DIR: dir, APP_PROFILES: 'test', ADMIN_API_KEY: 'k', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: KEY });
    redis = await startRedis();
    a = await startTestApp({ replicas: { redisUrl: redis.url } }, { onLog: (line) => logsA.push(line) });
    await a.dataSource.query('DELETE FROM shared_state');
    // the second instance reaches the first one's database (embedded: its socket, with the password of its data dir)
    const url = SERVER_MODE ? undefined : (a.dataSource.options as { url: string }).url;
    b = await startTestApp({ database: { url, poolSize: 2 }, replicas: { redisUrl: redis.url } }, { reset: false });
    await a.http.post('/v1/documents').send({ title: 'Suporte', text: 'O suporte humano atende das 09h às 18h, de segunda a sexta.' }).expect(201);
  });
  afterAll(async () => {
    await c?.close();
    await b?.close();
    await a?.dataSource.query('DELETE FROM shared_state').catch(() => undefined);
    await a?.close();
    await fake.close();
    await redis?.stop();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a swap on one instance the other answers with the new model within a second; no API key is stored', async () => {
    expect((await info(b)).llm).toMatchObject({ provider: 'extractive', shared: null });
    // the key travels with the request (same server as the configured one: the others use their configured key)
    const swap = await a.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'openai', model: 'gpt-4o-mini', options: { baseUrl: fake.baseUrl, apiKey: KEY } });
    expect(swap.status).toBe(200);
    await within(2000, async () => expect((await info(b)).llm).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' }));
    const seen = await info(b);
    expect(seen.llm.shared).toMatchObject({ source: 'swap', this_instance: false, by: expect.stringMatching(/:\d+:/) });
    expect(seen.llm.shared.by).not.toBe(seen.sharing.instance);
    expect(seen.llm.shared.error).toBeUndefined();
    expect(seen.sharing).toMatchObject({ enabled: true, notify: 'redis' });
    expect((await info(a)).llm.shared).toMatchObject({ source: 'swap', this_instance: true });

    fake.reply('O suporte humano atende das 09h às 18h [1].');
    const ask = await b.http.post('/v1/ask').send({ question: 'Quando o suporte humano atende?' });
    expect(ask.status).toBe(200);
    expect(ask.body.model).toBe('openai:gpt-4o-mini');
    expect(fake.chatRequests().length).toBeGreaterThan(0);

    // one audit row (one database): written by the instance that took the request, not by the one that followed
    await within(2000, async () => expect(await a.dataSource.query(`SELECT actor, outcome FROM audit_log WHERE action = 'model.llm.swap'`)).toEqual([expect.objectContaining({ outcome: 'ok' })]));
    const [row] = await a.dataSource.query(`SELECT value::text AS value FROM shared_state WHERE key = 'llm'`);
    expect(row.value).not.toContain(KEY);
    expect(JSON.parse(row.value)).toMatchObject({ source: 'swap', spec: { provider: 'openai', model: 'gpt-4o-mini', options: { baseUrl: fake.baseUrl } }, omitted: ['options.apiKey'] });
  });

  it('an embedder swap is followed too (no second re-index), and a third instance started later comes up on both', async () => {
    const swap = await a.http.put('/v1/admin/models/embedder').set(ADMIN).send({ provider: 'hashing', options: { dimension: 256 } });
    expect(swap.status).toBe(202);
    await within(2000, async () => expect((await info(b)).embedder).toMatchObject({ model: 'hashing:v1:256', shared: { source: 'swap' } }));
    const [job] = swap.body.jobs as { id: string }[];
    // re-index jobs live in the database: B lists A's job, and started none of its own
    expect((await b.http.get('/v1/admin/reindex').set(ADMIN)).body.items.map((j: { id: string }) => j.id)).toEqual([job.id]);
    await within(10_000, async () => expect((await a.http.get(`/v1/admin/reindex/${job.id}`).set(ADMIN)).body.status).toBe('completed'));
    // B searches the collection A re-indexed, with the embedder it loaded when it followed the swap
    const search = await b.http.post('/v1/search').send({ query: 'horário do suporte humano' });
    expect(search.status).toBe(200);
    expect(search.body.hits.length).toBeGreaterThan(0);

    const url = SERVER_MODE ? undefined : (a.dataSource.options as { url: string }).url;
    c = await startTestApp({ database: { url, poolSize: 2 }, replicas: { redisUrl: '' } }, { reset: false });
    const third = await info(c);
    expect(third.sharing).toMatchObject({ enabled: true, notify: 'poll' });
    expect(third.llm).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', shared: { source: 'swap', this_instance: false } });
    expect(third.embedder).toMatchObject({ model: 'hashing:v1:256', shared: { source: 'swap' } });
  });

  it('a swap another instance cannot apply (a key for another server is not shared) is an error there, not a silent divergence', async () => {
    const other = new FakeOpenAiServer({ apiKey: 'sk-other-987654321' });
    await other.start();
    try {
      const swap = await a.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'openai', model: 'gpt-4o', options: { baseUrl: other.baseUrl, apiKey: 'sk-other-987654321' } });
      expect(swap.status).toBe(200);
      await within(2000, async () => expect((await info(b)).llm.shared).toMatchObject({ source: 'swap', error: expect.stringMatching(/openai/i) }));
      const m = await info(b);
      expect(m.llm).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' }); // it keeps what it had
      expect(JSON.stringify(m)).not.toContain('sk-other');
      const ready = await b.http.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.replicas).toMatchObject({ status: 'up', degraded: true, not_applied: [expect.objectContaining({ key: 'llm' })] });
    } finally {
      await other.close();
    }
  });

  it('a config reload on one instance puts every instance back on the YAML models', async () => {
    const reload = await b.http.post('/v1/admin/config/reload').set(ADMIN);
    expect(reload.status).toBe(200);
    expect(reload.body).toMatchObject({ llm: 'extractive:extractive-v1', embedder: { model: 'hashing:v1:384' } });
    for (const t of [a, b, c!]) {
      await within(2000, async () => {
        const m = await info(t);
        expect({ llm: m.llm.provider, embedder: m.embedder.model, source: m.llm.shared?.source, error: m.llm.shared?.error }).toEqual({ llm: 'extractive', embedder: 'hashing:v1:384', source: 'config', error: undefined });
      });
    }
    // only the instance that took the reload re-indexes
    expect((await a.http.get('/v1/admin/reindex').set(ADMIN)).body.items.filter((j: { status: string }) => j.status !== 'completed')).toEqual([]);
    await c!.close();
    c = undefined;
  });

  it('config.watch: an edited YAML is applied like a reload, on every instance; a broken one is logged without its content and ignored', async () => {
    const off = { question: 'Quem venceu a Copa do Mundo de 1970?' };
    expect((await a.http.post('/v1/ask').send(off)).body.answer).toBe('Não tenho essa informação nos documentos.');
    edit('default.yaml', '    refusal: "Não tenho essa informação nos documentos."', '    refusal: "Isso não está nos documentos da empresa."');
    for (const t of [a, b]) await within(5000, async () => expect((await t.http.post('/v1/ask').send(off)).body.answer).toBe('Isso não está nos documentos da empresa.'));

    const good = readFileSync(join(dir, 'default.yaml'), 'utf8');
    writeFileSync(join(dir, 'default.yaml'), `${good}\nbroken:\n  apiKey: sk-do-not-log-1234\n   bad: [indent\n`);
    await within(5000, async () => expect(logsA.some((l) => l.includes('config file change ignored'))).toBe(true));
    const line = logsA.find((l) => l.includes('config file change ignored'))!;
    expect(line).toMatch(/not valid YAML/);
    expect(logsA.join('\n')).not.toContain('sk-do-not-log-1234');
    const after = await a.http.post('/v1/ask').send(off);
    expect(after.status).toBe(200);
    expect(after.body.answer).toBe('Isso não está nos documentos da empresa.');
    writeFileSync(join(dir, 'default.yaml'), good);
  });

  it('a swap answers when Redis accepts connections but answers nothing (it waited for Redis to come back)', async () => {
    const PAUSE_MS = 5000;
    const until = Date.now() + PAUSE_MS;
    await redis.pause(PAUSE_MS);
    const t0 = Date.now();
    // the change notification's publish times out (it waited for Redis to come back: 45 s and more in a probe)
    await a.http.put('/v1/admin/models/llm').set(ADMIN).send({ provider: 'extractive' }).expect(200);
    expect(Date.now() - t0).toBeLessThan(PAUSE_MS - 1500);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()))); // nothing after this suite meets a paused Redis
  }, 40_000);
});
