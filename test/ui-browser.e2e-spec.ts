import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, TestApp } from './support/app';

/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core, against the app on the test profile
 * (embedded database, offline extractive answerer). Upload through the page, ask, chat; the page's CSP must let it
 * run (a violation is a console error, and any console error fails the test). Without chromium the suite is skipped,
 * except in CI (CI=true), where it fails: .ci/run installs chromium.
 * UI_TEST_PORT picks the apps' ports (it and the next; default: any free ones); UI_SCREENSHOT_DIR keeps screenshots (desktop, phone).
 */
const LOCKED_KEY = 'ui-test-admin-key';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AVAILABLE = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const DOC = [
  '# Política de home office',
  '',
  'Os colaboradores podem trabalhar de casa até três dias por semana, combinando a escala com o gestor.',
  '',
  'O auxílio home office é de R$ 150 por mês e é pago junto com o salário.',
  '',
].join('\n');
// a title with markup (sent as JSON text: the Markdown parser would strip it): shown as text, never an element
const HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">Aviso <b>importante</b>';

if (!AVAILABLE && !IN_CI) console.warn(`test/ui-browser.e2e-spec.ts skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

(AVAILABLE || IN_CI ? describe : describe.skip)('web UI in chromium (upload, ask with citations, chat)', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let locked: TestApp;
  let base: string;
  let lockedBase: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!AVAILABLE) throw new Error(`chromium is missing at ${CHROMIUM} and CI=true: .ci/run installs it (apt-get install chromium)`);
    // the default profile's app, and one with auth.mode required (booted side by side)
    [t, locked] = await Promise.all([startTestApp(), startTestApp({ admin: { apiKey: LOCKED_KEY }, auth: { mode: 'required' } })]);
    const port = Number(process.env.UI_TEST_PORT ?? 0);
    await t.app.listen(port, '127.0.0.1');
    await locked.app.listen(port && port + 1, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    lockedBase = `http://127.0.0.1:${(locked.app.getHttpServer().address() as AddressInfo).port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'acervo-ui-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await t?.close();
    await locked?.close();
  });

  async function shot(name: string): Promise<void> {
    if (process.env.UI_SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.UI_SCREENSHOT_DIR, `acervo-ui-${name}.png`), fullPage: true });
  }

  it('opens at / (redirected to /ui/), uploads a Portuguese document into a new collection and lists it', async () => {
    await t.http.post('/v1/documents').send({ title: HOSTILE_TITLE, text: 'A sala de reuniões do terceiro andar está em reforma até março.', collection: 'rh' }).expect(201);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await expect(page.title()).resolves.toBe('acervo');
    // the scripts ran under the page's CSP: the model facts came from /v1/model-info, the offline default labelled
    await page.getByRole('tab', { name: 'Configurações' }).click();
    await page.locator('#modelos').getByText('padrão offline: sem modelo de linguagem').waitFor();
    await page.getByRole('tab', { name: 'Documentos' }).click();

    await page.locator('#envio-colecao').fill('rh');
    await page.getByLabel('Arquivos').setInputFiles([
      { name: 'home-office.md', mimeType: 'text/markdown', buffer: Buffer.from(DOC) },
      { name: 'ferias.txt', mimeType: 'text/plain', buffer: Buffer.from('Férias\n\nAs férias podem ser divididas em até três períodos.') },
      { name: 'planilha.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ\x90\x00binário') },
    ]);
    await page.getByRole('button', { name: 'Enviar', exact: true }).click();
    const results = page.locator('#envio-resultados > li');
    await expect(results.nth(2).locator('.problem').waitFor()).resolves.toBeUndefined();
    // per-file results: two stored, the third refused with the API's problem (status and code shown)
    expect(await results.nth(0).innerText()).toMatch(/home-office\.md: 1 documento\(s\)[\s\S]*Política de home office \(novo, \d+ trecho/);
    expect(await results.nth(1).getAttribute('class')).toContain('ok');
    expect(await results.nth(2).innerText()).toMatch(/planilha\.exe: não enviado[\s\S]*Erro 4\d\d[\s\S]*INGESTION\./);
    // the list of the collection shows both documents, the hostile title as plain text
    await page.locator('#docs-lista').getByText('Política de home office').waitFor();
    expect(await page.locator('#docs-colecao').inputValue()).toBe('rh');
    await expect(page.locator('#docs-lista').getByText(HOSTILE_TITLE, { exact: true }).count()).resolves.toBe(1);
    expect(await page.locator('#docs-lista img, #docs-lista b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await shot('documentos');
    // Apagar, confirmed: the document is gone from the list and from the API
    await expect(page.locator('#docs-total').innerText()).resolves.toBe('3 documento(s) em rh.');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Apagar Férias' }).click();
    await page.locator('#docs-total').getByText('2 documento(s) em rh.').waitFor();
    expect((await t.http.get('/v1/documents').query({ collection: 'rh' })).body.items.map((d: { title: string }) => d.title)).not.toContain('Férias');
  });

  it('shows a CSV row\'s source decoded ("beneficios.csv#Vale-refeição", was percent-encoded: probe D6), the raw id in its tooltip', async () => {
    const csv = 'id,descricao\nVale-refeição,R$ 35 por dia útil\nDesconto 100%,Sem desconto em folha\n';
    const { body } = await t.http.post('/v1/documents').field('collection', 'beneficios').attach('files', Buffer.from(csv), { filename: 'beneficios.csv', contentType: 'text/csv' }).expect(201);
    expect(body.documents).toHaveLength(2);
    const listed = (await t.http.get('/v1/documents').query({ collection: 'beneficios' }).expect(200)).body.items.map((d: { source_id: string }) => d.source_id).sort();
    expect(listed).toEqual(['beneficios.csv#Desconto%20100%25', 'beneficios.csv#Vale-refei%C3%A7%C3%A3o']);
    await page.reload(); // the collections offered come from /v1/model-info at load
    await page.getByRole('tab', { name: 'Documentos' }).click();
    await page.locator('#docs-colecao option[value="beneficios"]').waitFor({ state: 'attached' });
    await page.locator('#docs-colecao').selectOption('beneficios');
    const sources = page.locator('#docs-lista code.source-id');
    await sources.nth(1).waitFor();
    expect((await sources.allInnerTexts()).sort()).toEqual(['beneficios.csv#Desconto 100%', 'beneficios.csv#Vale-refeição']);
    expect(await page.locator('#docs-lista code.source-id', { hasText: 'Vale-refeição' }).getAttribute('title')).toBe('beneficios.csv#Vale-refei%C3%A7%C3%A3o');
    // a malformed sequence is shown as it is rather than breaking the list
    // (a string: ts-jest would compile an import() in a function into a helper the page does not have)
    expect(await page.evaluate(`import('/ui/js/dom.js').then((m) => [m.sourceLabel('relatorio.csv#100%'), m.sourceLabel('a%20b')])`)).toEqual(['relatorio.csv#100%', 'a b']);
    // Apagar still calls the API with the document's id
    page.once('dialog', (d) => void d.accept());
    await page.locator('#docs-lista li.doc', { hasText: 'Vale-refeição' }).getByRole('button', { name: /^Apagar/ }).click();
    await page.locator('#docs-total').getByText('1 documento(s) em beneficios.').waitFor();
    await page.locator('#docs-colecao').selectOption('rh');
    await page.locator('#docs-total').getByText('em rh.', { exact: false }).waitFor();
  });

  it('says in Portuguese what a 422 means, by its code, with the server\'s English detail below (probe D7)', async () => {
    await page.getByRole('tab', { name: 'Documentos' }).click();
    await page.locator('#envio-colecao').fill('beneficios');
    await page.getByLabel('Arquivos').setInputFiles([
      { name: 'vazio.txt', mimeType: 'text/plain', buffer: Buffer.from('   \n\n  ') },
      { name: 'manual.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\nisto não é um PDF de verdade') },
    ]);
    await page.getByRole('button', { name: 'Enviar', exact: true }).click();
    const results = page.locator('#envio-resultados > li');
    await results.nth(1).locator('.problem').waitFor();
    const empty = results.nth(0).locator('.problem');
    expect(await empty.locator('.problem-title').innerText()).toMatch(/Erro 422[\s\S]*INGESTION\.EMPTY_DOCUMENT/);
    expect(await empty.locator('.problem-message').innerText()).toMatch(/^O arquivo não tem texto que possa ser extraído/);
    expect(await empty.locator('.problem-detail').innerText()).toBe('Detalhe do servidor: Document "vazio.txt" has no extractable text.');
    const unreadable = results.nth(1).locator('.problem');
    expect(await unreadable.locator('.problem-title').innerText()).toContain('INGESTION.UNREADABLE_DOCUMENT');
    expect(await unreadable.locator('.problem-message').innerText()).toMatch(/^Não foi possível ler o arquivo/);
    expect(await unreadable.locator('.problem-detail').innerText()).toMatch(/^Detalhe do servidor: Document "manual\.pdf" could not be read/);
    await shot('erros-422');
    await page.locator('#docs-colecao').selectOption('rh');
    await page.locator('#docs-total').getByText('em rh.', { exact: false }).waitFor();
  });

  it('answers a question from the document, streamed, with its numbered citation and the cited passage', async () => {
    await page.getByRole('tab', { name: 'Perguntar' }).click();
    await page.locator('#pergunta-colecao').selectOption('rh');
    await page.locator('#pergunta-texto').fill('Qual é o valor do auxílio home office?');
    await page.locator('#pergunta-texto').press('Enter');
    const answer = page.locator('#resposta');
    await answer.locator('.citation').first().waitFor();
    await page.waitForFunction(() => document.getElementById('resposta')?.getAttribute('aria-busy') === 'false');
    expect(await answer.locator('.answer-text').innerText()).toMatch(/R\$ 150 por mês.*\[1\]/);
    expect(await answer.locator('a.marker').first().getAttribute('href')).toMatch(/#resp\d+-cit-1$/);
    const citation = await answer.locator('.citation').first().innerText();
    expect(citation).toContain('[1]');
    expect(citation).toContain('Política de home office');
    expect(citation).toContain('O auxílio home office é de R$ 150 por mês');
    await shot('pergunta');

    // not streamed this time: the plain JSON answer
    await page.locator('#pergunta-stream').uncheck();
    await page.locator('#pergunta-texto').fill('Quem venceu a Copa do Mundo de 1970?');
    await page.getByRole('button', { name: 'Perguntar', exact: true }).click();
    await answer.locator('.abstention').waitFor();
    expect(await answer.innerText()).toContain('Não encontrei isso nos documentos');
    expect(await answer.locator('.citation').count()).toBe(0);
  });

  it('holds a chat turn with memory: the reply with its citation, the conversation listed and reopened', async () => {
    await page.getByRole('tab', { name: 'Conversas' }).click();
    await page.locator('#chat-colecao').selectOption('rh');
    await page.locator('#chat-mensagem').fill('Quantos dias por semana posso trabalhar de casa?');
    await page.locator('#chat-mensagem').press('Enter');
    const reply = page.locator('#chat-mensagens .msg.assistant').last();
    await reply.locator('.citation').first().waitFor();
    expect(await reply.locator('.answer-text').innerText()).toMatch(/três dias por semana.*\[1\]/);
    const listed = page.locator('#chat-lista button.conversation');
    await listed.first().waitFor();
    expect(await listed.count()).toBe(1);
    expect(await page.locator('#chat-colecao').isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Nova conversa' }).click();
    expect(await page.locator('#chat-mensagens .msg').count()).toBe(0);
    await listed.first().click();
    await page.locator('#chat-mensagens .msg.user').first().waitFor();
    expect(await page.locator('#chat-mensagens .msg').count()).toBe(2);
    // a second turn continues the reopened conversation (same conversation_id): still one conversation, four messages
    await page.locator('#chat-mensagem').fill('Qual é o valor do auxílio home office?');
    await page.locator('#chat-mensagem').press('Enter');
    await page.locator('#chat-mensagens .msg.assistant').nth(1).locator('.citation').first().waitFor();
    expect(await page.locator('#chat-mensagens .msg.assistant').nth(1).locator('.answer-text').innerText()).toContain('R$ 150');
    await page.locator('#chat-lista').getByText('4 mensagem(ns)', { exact: false }).waitFor();
    expect(await listed.count()).toBe(1);
    await shot('conversas');
    await page.setViewportSize({ width: 390, height: 844 });
    // phone width: nothing wider than the screen
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('conversas-celular');
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it('wraps a long link in an answer, its citation and a chat reply at phone width (probe 17: the page grew to 1055 px)', async () => {
    const link = 'https://intranet.empresa.com.br/sites/financeiro/Documentos%20Compartilhados/Formularios/Reembolso/2026/formulario-de-reembolso-de-despesas-de-viagem-versao-final-aprovada.xlsx';
    await t.http.post('/v1/documents').send({ title: 'Links da intranet', text: `O formulário de reembolso fica em ${link} e deve ser preenchido pelo colaborador.`, collection: 'rh' }).expect(201);
    await page.setViewportSize({ width: 390, height: 844 });
    // the text boxes of an answer: none wider than what shows of it (a clipped link is as bad as a page to scroll)
    const clipped = (root: string) =>
      page.evaluate(
        (sel) => [...document.querySelectorAll(`${sel} .answer-text, ${sel} .citation blockquote, ${sel} .question`)].filter((e) => e.scrollWidth > e.clientWidth + 1).length,
        root,
      );
    await page.getByRole('tab', { name: 'Perguntar' }).click();
    await page.locator('#pergunta-stream').uncheck();
    await page.locator('#pergunta-texto').fill(`Onde fica o formulário de reembolso? ${'a'.repeat(120)}`);
    await page.getByRole('button', { name: 'Perguntar', exact: true }).click();
    await page.locator('#resposta .citation').first().getByText('Links da intranet').waitFor();
    expect(await page.locator('#resposta .answer-text').innerText()).toContain(link);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await clipped('#resposta')).toBe(0);
    await shot('link-longo-celular');

    await page.getByRole('tab', { name: 'Conversas' }).click();
    await page.getByRole('button', { name: 'Nova conversa' }).click();
    await page.locator('#chat-mensagem').fill('Onde fica o formulário de reembolso?');
    await page.locator('#chat-mensagem').press('Enter');
    await page.locator('#chat-mensagens .msg.assistant .citation').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await clipped('#chat-mensagens')).toBe(0);
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  it('auth.mode open: a made-up key is saved but not said to be accepted, and the conversations still list (probe 17)', async () => {
    await page.getByRole('tab', { name: 'Configurações' }).click();
    await page.getByLabel('Chave de API ou token (JWT)').fill('chave-inventada-123');
    await page.getByRole('button', { name: 'Salvar e testar' }).click();
    await page.locator('#config-resultado').getByText('não verifica', { exact: false }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#config-resultado').innerText()).not.toContain('aceitou');
    // the conversations still work without a user typed: an open server takes no user from a key (they answered 400)
    await page.getByRole('tab', { name: 'Conversas' }).click();
    await page.locator('#chat-usuario').getByText('Usuário: web').waitFor({ timeout: 5_000 });
    await page.locator('#chat-lista button.conversation').first().waitFor();
    expect(await page.locator('#chat-lista-erro').innerText()).toBe('');
    await page.getByRole('tab', { name: 'Configurações' }).click();
    await page.getByRole('button', { name: 'Apagar chave' }).click();
  });

  it('auth.mode required: shows 401 plainly, sends the key typed in Configurações (kept by the tab across a reload, by the browser with "Lembrar neste navegador") and forgets it', async () => {
    await page.goto(`${lockedBase}/ui/`);
    // no credential yet: the banner and the model panel say so, with the API's code
    await page.locator('#aviso-auth').getByText('O servidor exige uma credencial.').waitFor();
    await page.getByRole('tab', { name: 'Configurações' }).click();
    expect(await page.locator('#modelos .problem').innerText()).toMatch(/Erro 401[\s\S]*AUTH\.REQUIRED[\s\S]*Configurações/);

    const key = page.getByLabel('Chave de API ou token (JWT)');
    await key.fill('acv_chave_que_nao_existe');
    await page.getByRole('button', { name: 'Salvar e testar' }).click();
    await page.locator('#config-resultado .problem').getByText('AUTH.INVALID_CREDENTIALS').waitFor();
    await shot('configuracoes-401');

    await key.fill(LOCKED_KEY);
    await page.getByLabel('Usuário das conversas (user_id)').fill('ana');
    await page.getByRole('button', { name: 'Salvar e testar' }).click();
    await page.locator('#config-resultado').getByText('O servidor aceitou a credencial').waitFor();
    expect(await page.locator('#aviso-auth').isHidden()).toBe(true);
    await page.locator('#modelos').getByText('padrão offline: sem modelo de linguagem').waitFor();

    // by default the key is kept by this tab only (sessionStorage), not by the browser
    const storedKey = (p: Page) => p.evaluate(() => ({ session: sessionStorage.getItem('acervo.credential'), local: localStorage.getItem('acervo.credential') }));
    expect(await storedKey(page)).toEqual({ session: LOCKED_KEY, local: null });
    await page.reload();
    expect(new URL(page.url()).hash).toBe('#configuracoes');
    expect(await key.inputValue()).toBe(LOCKED_KEY);
    await page.locator('#modelos').getByText('padrão offline: sem modelo de linguagem').waitFor();
    // another tab of the same browser does not have it
    const other = await context.newPage();
    try {
      await other.goto(`${lockedBase}/ui/#configuracoes`);
      await other.locator('#aviso-auth').getByText('O servidor exige uma credencial.').waitFor();
      expect(await other.getByLabel('Chave de API ou token (JWT)').inputValue()).toBe('');
      expect(await other.getByLabel('Lembrar neste navegador').isChecked()).toBe(false);
    } finally {
      await other.close();
    }
    // "Lembrar neste navegador": in localStorage (and no longer in the tab's storage); a new tab has it
    await page.getByLabel('Lembrar neste navegador').check();
    await page.getByRole('button', { name: 'Salvar e testar' }).click();
    await page.locator('#config-resultado').getByText('O servidor aceitou a credencial').waitFor();
    expect(await storedKey(page)).toEqual({ session: null, local: LOCKED_KEY });
    const remembered = await context.newPage();
    try {
      await remembered.goto(`${lockedBase}/ui/#configuracoes`);
      await remembered.locator('#modelos').getByText('padrão offline: sem modelo de linguagem').waitFor();
      expect(await remembered.getByLabel('Chave de API ou token (JWT)').inputValue()).toBe(LOCKED_KEY);
      expect(await remembered.getByLabel('Lembrar neste navegador').isChecked()).toBe(true);
    } finally {
      await remembered.close();
    }
    // Apagar chave removes it from both
    await page.getByRole('button', { name: 'Apagar chave' }).click();
    await page.locator('#aviso-auth').getByText('O servidor exige uma credencial.').waitFor();
    expect(await storedKey(page)).toEqual({ session: null, local: null });
    expect(await page.getByLabel('Lembrar neste navegador').isChecked()).toBe(false);
  });

  it('ran without a console error: no CSP violation, no script error (only the 415, 422 and 401 the tests caused)', () => {
    expect(consoleErrors.filter((e) => !/status of (415|422|401)/.test(e))).toEqual([]);
  });
});
