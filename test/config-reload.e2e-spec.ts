import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigDir } from '../src/shared/config';
import { expectProblem, startTestApp, TestApp } from './support/app';
import { FakeOpenAiServer } from './support/fake-openai.server';

describe('POST /v1/admin/config/reload', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'acervo-config-'));
  const saved = { CONFIG_DIR: process.env.CONFIG_DIR, APP_PROFILES: process.env.APP_PROFILES, ADMIN_API_KEY: process.env.ADMIN_API_KEY, DATA_DIR: process.env.DATA_DIR };
  const edit = (from: string, to: string) => {
    const file = join(dir, 'default.yaml');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain(from);
    writeFileSync(file, yaml.replace(from, to));
  };
  beforeAll(async () => {
    cpSync(defaultConfigDir(), dir, { recursive: true });
    t = await startTestApp({ admin: { apiKey: 'k' } });
    Object.assign(process.env, { CONFIG_DIR: dir, APP_PROFILES: 'test', ADMIN_API_KEY: 'k', DATA_DIR: t.dataDir });
    await t.http.post('/v1/documents').send({ title: 'Suporte', text: 'O suporte humano atende das 09h às 18h, de segunda a sexta.' }).expect(201);
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await t.close();
  });

  it('reports nothing to apply when the YAML did not change models', async () => {
    const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ llm: 'unchanged', embedder: 'unchanged' });
  });

  it('lists every section it cannot apply as needing a restart: a quota, the CORS origins, a retrieval setting', async () => {
    const before = (await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k').expect(200)).body.restart_needed_for as string[];
    const file = join(dir, 'default.yaml');
    const original = readFileSync(file, 'utf8');
    try {
      edit('  cacheSeconds: 10 ', '  cacheSeconds: 30 ');
      edit('    maxAgeSeconds: 600 ', '    maxAgeSeconds: 300 ');
      edit('    maxKeys: 32 ', '    maxKeys: 16 ');
      const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k').expect(200);
      expect(res.body).toMatchObject({ llm: 'unchanged', embedder: 'unchanged' });
      expect(res.body.restart_needed_for).toEqual(expect.arrayContaining(['quota', 'http', 'retrieval.filters']));
      expect(before).not.toContain('quota');
    } finally {
      // the later tests edit the file as the YAML ships
      writeFileSync(file, original);
    }
  });

  it('applies an edited embedder section: swap, background re-index, searches keep working', async () => {
    edit('    hashing:\n      dimension: 384', '    hashing:\n      dimension: 256');
    const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k');
    expect(res.status).toBe(200);
    expect(res.body.embedder.model).toBe('hashing:v1:256');
    const [job] = res.body.embedder.reindex_jobs as string[];
    for (let i = 0; i < 50; i++) {
      const s = await t.http.post('/v1/search').send({ query: 'horário do suporte' });
      expect(s.status).toBe(200);
      const j = (await t.http.get(`/v1/admin/reindex/${job}`).set('x-api-key', 'k')).body;
      if (j.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const info = (await t.http.get('/v1/model-info')).body;
    expect(info.embedder.model).toBe('hashing:v1:256');
    expect(info.collections).toEqual([expect.objectContaining({ name: 'default', embedder: 'hashing:v1:256', dimension: 256 })]);
  });

  it('applies an edited LLM section, and a broken YAML changes nothing (400)', async () => {
    edit('      maxSentences: 3', '      maxSentences: 1');
    const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k');
    expect(res.body.llm).toBe('extractive:extractive-v1');
    edit('    provider: ${LLM_PROVIDER:extractive}', '    provider: gpt-9');
    const bad = expectProblem(await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k'), 400, 'GENERATION.INVALID_MODEL');
    expect(bad.detail).toMatch(/generation\.llm\.provider/);
    expect((await t.http.post('/v1/ask').send({ question: 'Quando o suporte humano atende?' })).body.grounded).toBe(true);
    expectProblem(await t.http.post('/v1/admin/config/reload'), 401, 'ADMIN.UNAUTHORIZED');
  });

  it('hot-applies generation.ask (read per request) and a network embedder section from the YAML', async () => {
    edit('    provider: gpt-9', '    provider: ${LLM_PROVIDER:extractive}'); // undo the broken YAML of the previous test
    edit('    refusal: "Não tenho essa informação nos documentos."', '    refusal: "Isso não está nos documentos da empresa."');
    const fake = new FakeOpenAiServer();
    const base = await fake.start();
    try {
      edit('    provider: ${EMBEDDER_PROVIDER:hashing}', '    provider: openai');
      edit('      baseUrl: ${OPENAI_BASE_URL:https://api.openai.com/v1}\n      apiKey: ${OPENAI_API_KEY:}\n      model: text-embedding-3-small', `      baseUrl: ${base}\n      apiKey: sk-fake-1234567\n      model: text-embedding-3-small`);
      const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k');
      expect(res.status).toBe(200);
      expect(res.body.applied).toContain('generation.ask');
      expect(res.body.embedder.model).toBe('openai:text-embedding-3-small:1536');
      expect(fake.embeddingRequests().length).toBeGreaterThan(0);
      const abstain = (await t.http.post('/v1/ask').send({ question: 'Quem venceu a Copa do Mundo de 1970?' })).body;
      expect(abstain.answer).toBe('Isso não está nos documentos da empresa.');
    } finally {
      await fake.close();
    }
  });
});
