import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigDir } from '../src/shared/config';
import { expectProblem, startTestApp, TestApp } from './support/app';

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
    edit('      maxSentences: 4', '      maxSentences: 1');
    const res = await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k');
    expect(res.body.llm).toBe('extractive:extractive-v1');
    edit('    provider: ${LLM_PROVIDER:extractive}', '    provider: gpt-9');
    const bad = expectProblem(await t.http.post('/v1/admin/config/reload').set('x-api-key', 'k'), 400, 'GENERATION.INVALID_MODEL');
    expect(bad.detail).toMatch(/generation\.llm\.provider/);
    expect((await t.http.post('/v1/ask').send({ question: 'Quando o suporte humano atende?' })).body.grounded).toBe(true);
    expectProblem(await t.http.post('/v1/admin/config/reload'), 401, 'ADMIN.UNAUTHORIZED');
  });
});
