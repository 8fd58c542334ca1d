import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultWebUiDir, WEB_UI_CSP } from '../src/shared/http';
import { expectProblem, startTestApp, TestApp } from './support/app';

const UI_DIR = defaultWebUiDir();
const SCRIPTS = readdirSync(join(UI_DIR, 'js')).filter((f) => f.endsWith('.js'));

describe('web UI: static files at /ui/ with their CSP, API routes unaffected', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('redirects / to /ui/ and /ui to /ui/', async () => {
    const root = await t.http.get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const bare = await t.http.get('/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/ui/');
  });

  it('serves the page as HTML with a strict CSP: scripts and styles from this origin only, no inline code, no framing', async () => {
    const res = await t.http.get('/ui/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(WEB_UI_CSP);
    const csp = Object.fromEntries(WEB_UI_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(csp).toMatchObject({ 'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'connect-src': "'self'", 'frame-ancestors': "'none'", 'base-uri': "'none'" });
    expect(WEB_UI_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain('<html lang="pt-BR">');
    expect(res.text).toContain('<script type="module" src="js/app.js"></script>');
    // what the CSP would block must not be in the page: inline scripts, style attributes, inline handlers
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    expect((await t.http.head('/ui/index.html')).status).toBe(200);
  });

  it('serves every module the page imports as JavaScript and the stylesheet as CSS, each with the CSP', async () => {
    const css = await t.http.get('/ui/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['content-security-policy']).toBe(WEB_UI_CSP);
    // the import graph from js/app.js, followed over HTTP: every file it needs is served
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const res = await t.http.get(`/ui/js/${file}`);
      expect({ file, status: res.status, type: res.headers['content-type'] }).toEqual({ file, status: 200, type: 'text/javascript; charset=utf-8' });
      expect(res.headers['content-security-policy']).toBe(WEB_UI_CSP);
      for (const m of res.text.matchAll(/from '\.\/([\w-]+\.js)'/g)) queue.push(m[1]);
    }
    expect([...seen].sort()).toEqual([...SCRIPTS].sort());
  });

  it('keeps server text out of HTML parsing: no innerHTML, outerHTML, insertAdjacentHTML, document.write or eval in the UI code', () => {
    for (const file of SCRIPTS) {
      const code = readFileSync(join(UI_DIR, 'js', file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
      expect({ file, sinks: code.match(/\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval|new Function)\b/g) }).toEqual({ file, sinks: null });
    }
  });

  it('answers a missing UI file 404 problem+json (with the CSP) and never serves files outside ui/', async () => {
    const missing = await t.http.get('/ui/nao-existe.js');
    expectProblem(missing, 404, 'REQUEST.NOT_FOUND');
    expect(missing.headers['content-security-policy']).toBe(WEB_UI_CSP);
    for (const path of ['/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/%2e%2e/config/default.yaml', '/ui/js/%2e%2e/%2e%2e/.npmrc']) {
      const res = await t.http.get(path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toContain('"dependencies"');
    }
    // only GET and HEAD: a write to /ui is the API's 404, not a static file
    expect((await t.http.post('/ui/index.html').send({})).status).toBe(404);
  });

  it('leaves /v1, /docs, /health and /metrics as they were (their own content types, Helmet CSP on /docs)', async () => {
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toMatch(/^application\/json/);
    const docs = await t.http.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.headers['content-security-policy']).not.toBe(WEB_UI_CSP);
    expect(docs.headers['content-security-policy']).toContain("style-src 'self' https: 'unsafe-inline'");
    const info = await t.http.get('/v1/model-info');
    expect(info.status).toBe(200);
    expect(info.body.llm).toMatchObject({ provider: 'extractive' });
    expect(info.headers['content-security-policy']).not.toBe(WEB_UI_CSP);
    const metrics = await t.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expectProblem(await t.http.get('/v1/nao-existe'), 404, 'REQUEST.NOT_FOUND');
    // POST / is no redirect: only GET / is
    expect((await t.http.post('/').send({})).status).toBe(404);
  });
});

describe('web UI with auth.mode required', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: 'ui-admin-key' }, auth: { mode: 'required' } });
  });
  afterAll(async () => t?.close());

  it('serves the UI without a credential (it holds no data) while the API it calls answers 401 until the key is sent', async () => {
    expect((await t.http.get('/ui/')).status).toBe(200);
    expect((await t.http.get('/ui/js/api.js')).status).toBe(200);
    expectProblem(await t.http.get('/v1/model-info'), 401, 'AUTH.REQUIRED');
    // the UI sends the stored credential as a bearer: an API key is accepted that way
    const ok = await t.http.get('/v1/model-info').set('authorization', 'Bearer ui-admin-key');
    expect(ok.status).toBe(200);
    expectProblem(await t.http.get('/v1/model-info').set('authorization', 'Bearer errada'), 401, 'AUTH.INVALID_CREDENTIALS');
  });
});
