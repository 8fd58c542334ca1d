import { readFileSync } from 'node:fs';
import type { QueryRunner } from 'typeorm';
import { NfcSourceIds1768690000000 } from '../src/shared/database/migrations/1768690000000-nfc-source-ids';
import { ANIME_CSV, makeDocx, makePdf } from './support/fixtures';
import { expectProblem, startTestApp, TestApp } from './support/app';

const search = (t: TestApp, body: Record<string, unknown>) => t.http.post('/v1/search').send(body);
const countDocs = async (t: TestApp, collection = 'default') => (await t.http.get(`/v1/documents?collection=${collection}&limit=1`)).body.total as number;

describe('documents (ingestion through the HTTP API)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t.close());

  describe('formats', () => {
    it('ingests and answers about a text that writes a model\'s special token ("<|endoftext|>") as text', async () => {
      const text = 'Nos modelos GPT, o marcador <|endoftext|> separa documentos no treinamento.';
      const res = await t.http.post('/v1/documents').send({ title: 'Tokens especiais', text, collection: 'special-tokens' });
      expect(res.status).toBe(201);
      const ask = await t.http.post('/v1/ask').send({ question: 'O que o marcador <|endoftext|> separa?', collection: 'special-tokens' });
      expect(ask.status).toBe(200);
      expect(ask.body.answer).toMatch(/separa documentos/);
    });

    it('ingests JSON text and makes it searchable', async () => {
      const res = await t.http.post('/v1/documents').send({
        title: 'Suporte', text: 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta.', metadata: { team: 'suporte' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id: expect.any(String), deduplicated: false, replaced: false, chunks: 1 });
      const hits = (await search(t, { query: 'horário do suporte' })).body.hits;
      expect(hits[0]).toMatchObject({ document_id: res.body.id, title: 'Suporte', metadata: { team: 'suporte' }, start: 0 });
    });

    it('reports chunk offsets in the text as submitted, whatever normalization changed', async () => {
      const source =
        '\r\n\r\n   Política de férias\r\n\r\n\r\n\r\nCada colaborador tem direito a trinta dias de fe\u0301rias por ano.   \r\n' +
        'O pedido é feito ao gestor com antecedência.\n\n\n\n\nAs férias podem ser divididas em três períodos.  ';
      const res = await t.http.post('/v1/documents').send({ title: 'Férias', text: source, collection: 'offsets' });
      expect(res.status).toBe(201);
      const hits = (await search(t, { query: 'férias divididas em três períodos', collection: 'offsets' })).body.hits;
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits as Array<{ text: string; start: number; end: number }>) {
        const slice = source.slice(h.start, h.end);
        expect(slice.startsWith(h.text.slice(0, 8))).toBe(true);
        expect(slice.trimEnd().endsWith(h.text.slice(-8))).toBe(true);
        expect(slice.normalize('NFC').replace(/\r\n/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n')).toBe(h.text);
      }
    });

    it('uploads many files of every supported format in one request', async () => {
      const res = await t.http
        .post('/v1/documents')
        .field('collection', 'formats')
        .field('metadata', JSON.stringify({ origem: 'teste' }))
        .attach('files', Buffer.from('Reembolso: abrir ticket no Jira com a tag financeiro.'), 'reembolso.txt')
        .attach('files', Buffer.from('# Backups\n\nBackups automáticos diários às 02h00 com retenção de 30 dias.'), 'backups.md')
        .attach('files', Buffer.from('<html lang="pt"><head><title>Integrações</title></head><body><nav>Menu Início Contato</nav><article><h1>Integrações</h1><p>Para integração com WhatsApp utilizamos a API oficial do PlugChat com webhooks. A integração com Salesforce usa APIs REST e sincroniza contatos a cada hora.</p></article><script>alert(1)</script></body></html>'), 'integracoes.html')
        .attach('files', makePdf(['Politica de ferias: cada colaborador tem 30 dias de ferias por ano.'], 'Ferias'), 'ferias.pdf')
        .attach('files', await makeDocx(['Manual de Onboarding', 'No primeiro dia o colaborador recebe o notebook e o crachá.']), 'onboarding.docx')
        .attach('files', Buffer.from(JSON.stringify({ title: 'Emergências', text: 'Para problemas críticos, acionar o canal emergencia no Slack.', metadata: { prioridade: 'alta' } })), 'emergencia.json');
      expect(res.status).toBe(201);
      expect(res.body.documents).toHaveLength(6);
      const titles = res.body.documents.map((d: { title: string }) => d.title);
      expect(titles).toEqual(['reembolso', 'Backups', 'Integrações', 'Ferias', 'Manual de Onboarding', 'Emergências']);

      const cases: Array<[string, string]> = [
        ['ticket Jira financeiro', 'reembolso'],
        ['retenção dos backups', 'Backups'],
        ['integração WhatsApp PlugChat', 'Integrações'],
        ['dias de ferias por ano', 'Ferias'],
        ['notebook no primeiro dia', 'Manual de Onboarding'],
        ['canal de emergencia no Slack', 'Emergências'],
      ];
      for (const [query, title] of cases) {
        const hit = (await search(t, { query, collection: 'formats', top_k: 1 })).body.hits[0];
        expect(hit.title).toBe(title);
        expect(hit.metadata.origem).toBe('teste');
      }
      const html = (await search(t, { query: 'WhatsApp', collection: 'formats', top_k: 1 })).body.hits[0];
      expect(html.text).not.toMatch(/Menu Início|alert/); // Readability kept the article only
      const json = (await search(t, { query: 'Slack', collection: 'formats', top_k: 1 })).body.hits[0];
      expect(json.metadata).toMatchObject({ prioridade: 'alta', filename: 'emergencia.json' });
    });

    it('turns each CSV row into a document with typed metadata (anime dataset)', async () => {
      const res = await t.http
        .post('/v1/documents')
        .field('collection', 'anime')
        .field('text_columns', 'Synopsis')
        .field('title_column', 'Name')
        .field('id_column', 'MAL_ID')
        .field('list_columns', 'Genres')
        .attach('files', readFileSync(ANIME_CSV), 'anime_with_synopsis.csv');
      expect(res.status).toBe(201);
      expect(res.body.documents).toHaveLength(269); // 269 data rows in the file
      const bebop = await search(t, { query: 'bounty hunters spaceship Bebop', collection: 'anime', top_k: 1 });
      expect(bebop.body.hits[0]).toMatchObject({ title: 'Cowboy Bebop', metadata: { MAL_ID: 1, Score: 8.78, Name: 'Cowboy Bebop' } });
      expect(bebop.body.hits[0].metadata.Genres).toEqual(expect.arrayContaining(['Action', 'Space']));
      const list = await t.http.get('/v1/documents').query({ collection: 'anime', metadata: JSON.stringify({ MAL_ID: 1 }) });
      expect(list.body.total).toBe(1);
    });
  });

  describe('CSV with defaults only', () => {
    it('detects the tag column of the anime dataset, so genre and score filters work without options', async () => {
      const res = await t.http.post('/v1/documents').field('collection', 'anime-auto').attach('files', readFileSync(ANIME_CSV), 'anime.csv');
      expect(res.status).toBe(201);
      expect(res.body.documents).toHaveLength(269);
      const hits = (await search(t, { query: 'giant robots war', collection: 'anime-auto', filters: { Genres: 'Mecha', Score: { gte: 8 } }, top_k: 20 })).body.hits;
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) {
        expect(h.metadata.Genres).toContain('Mecha');
        expect(h.metadata.Score).toBeGreaterThanOrEqual(8);
      }
    });

    it('reads a semicolon-delimited pt-BR export with decimal commas', async () => {
      const planilha = [
        'código;nome;nota;descrição',
        '1;Férias;8,5;Como pedir férias pelo portal do colaborador, com aprovação do gestor em até cinco dias úteis.',
        '2;Reembolso;7,25;Reembolsos de viagem são pagos na folha seguinte à aprovação da nota fiscal pelo financeiro.',
      ].join('\r\n');
      const res = await t.http.post('/v1/documents').field('collection', 'planilha').attach('files', Buffer.from(planilha, 'utf8'), 'procedimentos.csv');
      expect(res.status).toBe(201);
      const hit = (await search(t, { query: 'reembolso de viagem', collection: 'planilha', filters: { nota: { lt: 8 } } })).body.hits;
      expect(hit).toHaveLength(1);
      expect(hit[0]).toMatchObject({ title: 'Reembolso', metadata: { código: 2, nome: 'Reembolso', nota: 7.25 } });
    });

    it('filters a ";" export of short columns by its pt-BR prices (1.234,56 and 99,90 are numbers, not text)', async () => {
      const planilha = 'nome;preco;descricao\nCaneca;1.234,56;Caneca de louça esmaltada\nCamiseta;99,90;Camiseta de algodão\n';
      const res = await t.http.post('/v1/documents').field('collection', 'precos').attach('files', Buffer.from(planilha, 'utf8'), 'precos.csv');
      expect(res.status).toBe(201);
      const hits = (await search(t, { query: 'caneca camiseta', collection: 'precos', filters: { preco: { gt: 1000 } } })).body.hits;
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({ title: 'Caneca', metadata: { preco: 1234.56 } });
    });
  });

  describe('dedup and re-ingest', () => {
    it('returns the existing document for the same content (200, deduplicated)', async () => {
      const body = { title: 'Dedup', text: 'Conteúdo único para deduplicação.\r\n', collection: 'dedup' };
      const first = await t.http.post('/v1/documents').send(body);
      const again = await t.http.post('/v1/documents').send({ ...body, text: 'Conteúdo único para deduplicação.  ', title: 'Outro título' });
      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.body.id, deduplicated: true });
      expect(await countDocs(t, 'dedup')).toBe(1);
      const upload = await t.http.post('/v1/documents').field('collection', 'dedup').attach('files', Buffer.from('Conteúdo único para deduplicação.'), 'copia.txt');
      expect(upload.status).toBe(200);
      expect(upload.body.documents[0]).toMatchObject({ id: first.body.id, deduplicated: true });
    });

    it('replaces a source whose new content another document already holds (no dedup across sources)', async () => {
      const post = (source_id: string, text: string) => t.http.post('/v1/documents').send({ title: source_id, text, source_id, collection: 'fontes' });
      const sx = await post('sx', 'Conteúdo primeiro, o mesmo nas duas fontes.');
      await post('sy', 'Conteúdo segundo, só desta fonte.');
      const sy = await post('sy', 'Conteúdo primeiro, o mesmo nas duas fontes.');
      expect(sy.status).toBe(201);
      expect(sy.body).toMatchObject({ deduplicated: false, replaced: true });
      expect(sy.body.id).not.toBe(sx.body.id);
      const again = await post('sy', 'Conteúdo primeiro, o mesmo nas duas fontes.');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: sy.body.id, deduplicated: true });
      const hits = (await search(t, { query: 'conteúdo segundo', collection: 'fontes', mode: 'text' })).body.hits;
      expect(hits.map((h: { text: string }) => h.text).join()).not.toMatch(/segundo/);
    });

    it('matches source ids in any Unicode form: a file name sent decomposed (macOS) replaces its composed upload', async () => {
      const nfc = 'política-reembolso.txt';
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);
      const put = (name: string, text: string) => t.http.post('/v1/documents').field('collection', 'nfc').attach('files', Buffer.from(text, 'utf8'), name);
      const v1 = await put(nfc, 'O reembolso de despesas é pago em cinco dias úteis após a aprovação.');
      expect(v1.status).toBe(201);
      const v2 = await put(nfd, 'O reembolso de despesas é pago em dez dias úteis após a aprovação.');
      expect(v2.status).toBe(201);
      expect(v2.body.documents[0]).toMatchObject({ id: v1.body.documents[0].id, replaced: true, deduplicated: false });
      const listed = (await t.http.get('/v1/documents').query({ collection: 'nfc' })).body.items;
      expect(listed.map((d: { source_id: string }) => d.source_id)).toEqual([nfc]);
      const ask = await t.http.post('/v1/ask').send({ question: 'Em quantos dias o reembolso é pago?', collection: 'nfc' });
      expect(ask.body.answer).toMatch(/dez dias/);
      expect(ask.body.answer).not.toMatch(/cinco/);
      // a JSON source_id, and a file of many records whose earlier rows go with the file's other form
      const json = await t.http.post('/v1/documents').send({ title: 'Férias', text: 'Trinta dias de férias.', source_id: 'wiki/férias'.normalize('NFD'), collection: 'nfc' });
      const again = await t.http.post('/v1/documents').send({ title: 'Férias', text: 'Vinte dias de férias.', source_id: 'wiki/férias', collection: 'nfc' });
      expect(again.body).toMatchObject({ id: json.body.id, replaced: true });
      const csv = 'id,texto\n1,Ramal do RH é 4455.\n2,Ramal do TI é 7788.\n';
      expect((await put('ramais-técnicos.csv', csv)).status).toBe(201);
      const rows = await put('ramais-técnicos.csv'.normalize('NFD'), 'id,texto\n1,Ramal do RH é 4455.\n');
      expect(rows.body.removed).toEqual([expect.objectContaining({ title: expect.stringContaining('#2') })]);
      expect(await countDocs(t, 'nfc')).toBe(3);
      // one request with both forms of a name attaches one file twice
      const twice = await t.http.post('/v1/documents').field('collection', 'nfc').attach('files', Buffer.from('um', 'utf8'), nfc).attach('files', Buffer.from('dois', 'utf8'), nfd);
      expect(twice.status).toBe(400);
      // ids stored decomposed before the fix: the migration composes them, but leaves both when both forms are stored
      const id = async (source: string) => (await t.dataSource.query(`SELECT id FROM documents WHERE collection = 'nfc' AND source_id = $1`, [source]))[0]?.id;
      const [rh, reembolso] = [await id('ramais-técnicos.csv#1'), await id(nfc)];
      await t.dataSource.query(`UPDATE documents SET source_id = $1 WHERE id = $2`, ['wiki/férias'.normalize('NFD'), json.body.id]);
      await t.dataSource.query(`UPDATE documents SET source_id = $1 WHERE id = $2`, ['ramais-técnicos.csv#1'.normalize('NFD'), reembolso]);
      await new NfcSourceIds1768690000000().up({ query: (sql: string) => t.dataSource.query(sql) } as unknown as QueryRunner);
      expect(await id('wiki/férias')).toBe(json.body.id);
      expect(await id('ramais-técnicos.csv#1')).toBe(rh);
      expect(await id('ramais-técnicos.csv#1'.normalize('NFD'))).toBe(reembolso);
    });

    it('answers concurrent copies of one text with one 201 and the rest deduplicated', async () => {
      const body = { title: 'Paralelo', text: 'Texto enviado seis vezes ao mesmo tempo por clientes diferentes.', collection: 'paralelo' };
      const all = await Promise.all(Array.from({ length: 6 }, () => t.http.post('/v1/documents').send(body)));
      expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
      expect(all.filter((r) => r.body.replaced)).toEqual([]);
      expect(await countDocs(t, 'paralelo')).toBe(1);
    });

    it('replaces a changed source atomically: searches never see a half-replaced document', async () => {
      const version = (v: number) =>
        Array.from({ length: 12 }, (_, i) => `Versão ${v} parágrafo ${i}: política de viagens revisada número ${v}.`).join('\n\n');
      const first = await t.http.post('/v1/documents').send({ title: 'Viagens', text: version(0), source_id: 'wiki/viagens', collection: 'atomic' });
      expect(first.body.chunks).toBeGreaterThan(1);
      const seen: string[] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const hits = (await search(t, { query: 'política de viagens revisada', collection: 'atomic', top_k: 50, mode: 'text' })).body.hits;
          const versions = new Set(hits.map((h: { text: string }) => /Versão (\d+)/.exec(h.text)?.[1]));
          seen.push([...versions].join(','));
        }
      })();
      for (let v = 1; v <= 6; v++) {
        const res = await t.http.post('/v1/documents').send({ title: 'Viagens', text: version(v), source_id: 'wiki/viagens', collection: 'atomic' });
        expect(res.body).toMatchObject({ id: first.body.id, replaced: true, deduplicated: false });
      }
      writing = false;
      await reader;
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.includes(','))).toEqual([]); // never two versions at once
      const final = (await search(t, { query: 'política de viagens', collection: 'atomic', top_k: 50 })).body.hits;
      expect(new Set(final.map((h: { text: string }) => /Versão (\d+)/.exec(h.text)?.[1]))).toEqual(new Set(['6']));
      expect(await countDocs(t, 'atomic')).toBe(1);
    });
  });

  describe('re-uploading a file of many records replaces it whole', () => {
    const upload = (collection: string, name: string, content: string) =>
      t.http.post('/v1/documents').field('collection', collection).attach('files', Buffer.from(content, 'utf8'), name);
    const sources = async (collection: string) =>
      ((await t.http.get('/v1/documents').query({ collection, limit: 100 })).body.items as Array<{ source_id: string; title: string }>)
        .map((d) => `${d.source_id} ${d.title}`)
        .sort();

    it('refuses two files of one name in one request (400, nothing stored): the second would replace the first or remove its rows', async () => {
      const res = await t.http
        .post('/v1/documents')
        .field('collection', 'twice')
        .attach('files', Buffer.from('id,texto\n1,Ramal do RH é 4455.\n2,Ramal do TI é 7788.\n', 'utf8'), 'ramais.csv')
        .attach('files', Buffer.from('id,texto\n1,Ramal do RH é 4455.\n', 'utf8'), 'ramais.csv');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'INGESTION.INVALID_REQUEST', errors: [{ field: 'files' }] });
      expect(res.body.detail).toContain('"ramais.csv" is attached twice');
      expect(await sources('twice')).toEqual([]);
    });

    it('a CSV row gone from the file (or whose id changed) is deleted, and the answer lists it beside the per-row results', async () => {
      const v1 = 'pergunta,resposta\nQual o ramal do RH?,O ramal do RH é 4455.\nQual o ramal do TI?,O ramal do TI é 7788.\nQual o ramal do jurdico?,O ramal do jurídico é 3030.\n';
      const first = await upload('ramais', 'ramais.csv', v1);
      expect(first.status).toBe(201);
      const [, ti, typo] = first.body.documents;
      // the TI row removed, a typo fixed in the id column (a new source id)
      const v2 = 'pergunta,resposta\nQual o ramal do RH?,O ramal do RH é 4455.\nQual o ramal do jurídico?,O ramal do jurídico é 3030.\n';
      const again = await upload('ramais', 'ramais.csv', v2);
      expect(again.status).toBe(201);
      expect(again.body.documents).toEqual([
        { ...first.body.documents[0], deduplicated: true },
        expect.objectContaining({ title: 'Qual o ramal do jurídico?', deduplicated: false, replaced: false }),
      ]);
      expect(again.body.removed).toEqual(
        expect.arrayContaining([
          { id: ti.id, title: 'Qual o ramal do TI?' },
          { id: typo.id, title: 'Qual o ramal do jurdico?' },
        ]),
      );
      expect(again.body.removed).toHaveLength(2);
      expect(await sources('ramais')).toEqual([
        'ramais.csv#Qual%20o%20ramal%20do%20RH%3F Qual o ramal do RH?',
        'ramais.csv#Qual%20o%20ramal%20do%20jur%C3%ADdico%3F Qual o ramal do jurídico?',
      ]);
      expect((await t.http.get(`/v1/documents/${ti.id}`)).status).toBe(404);
      const hits = (await search(t, { query: 'ramal do TI 7788', collection: 'ramais', mode: 'text' })).body.hits;
      expect(hits.map((h: { text: string }) => h.text).join()).not.toMatch(/7788/);
      // the same file again: nothing written, nothing removed
      const third = await upload('ramais', 'ramais.csv', v2);
      expect(third.status).toBe(200);
      expect(third.body.removed).toBeUndefined();
      // another file's rows are not this file's, and are stored apart (a row deduplicated to one of this file's would
      // go when this file is sent again without it)
      const antigo = await upload('ramais', 'ramais-antigo.csv', v1);
      expect(antigo.status).toBe(201);
      expect(antigo.body.documents.map((d: { deduplicated: boolean }) => d.deduplicated)).toEqual([false, false, false]);
      expect((await upload('ramais', 'ramais.csv', v2)).body.removed).toBeUndefined();
      expect(await sources('ramais')).toHaveLength(5);
      const v3 = 'pergunta,resposta\nQual o ramal do jurídico?,O ramal do jurídico é 3030.\n';
      expect((await upload('ramais', 'ramais.csv', v3)).body.removed).toEqual([{ id: first.body.documents[0].id, title: 'Qual o ramal do RH?' }]);
      const rh = (await search(t, { query: 'ramal do RH 4455', collection: 'ramais', mode: 'text' })).body.hits;
      expect(rh.map((h: { text: string }) => h.text).join()).toMatch(/4455/);
    });

    it('searches never see two versions of a small file at once: its removed rows go in the transaction that writes the new ones', async () => {
      const version = (v: string) =>
        ['id,texto', ...Array.from({ length: 4 }, (_, i) => `${v}${i},Tabela de diárias versão ${v} linha ${i}: valor revisado da diária.`)].join('\n');
      expect((await upload('diarias', 'diarias.csv', version('a'))).status).toBe(201);
      const seen: string[] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const hits = (await search(t, { query: 'tabela de diárias valor revisado', collection: 'diarias', top_k: 50, mode: 'text' })).body.hits;
          seen.push([...new Set(hits.map((h: { text: string }) => /versão (\w)/.exec(h.text)?.[1]))].sort().join(','));
        }
      })();
      for (const v of ['b', 'a', 'b', 'a', 'b']) {
        const res = await upload('diarias', 'diarias.csv', version(v));
        expect(res.body.removed).toHaveLength(4);
      }
      writing = false;
      await reader;
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.includes(','))).toEqual([]);
      expect(await countDocs(t, 'diarias')).toBe(4);
    });

    it('a JSON array whose records moved (keyed by position) keeps exactly the new records, none lost to deduplication', async () => {
      const rec = (k: string) => ({ title: `Regra ${k}`, text: `A regra ${k} do manual de compras vale para todas as filiais.` });
      const json = (...keys: string[]) => JSON.stringify(keys.map(rec));
      expect((await upload('regras', 'regras.json', json('alfa', 'beta', 'gama'))).status).toBe(201);
      // the first record removed: every other one moves up a place, and the last position is gone
      const shifted = await upload('regras', 'regras.json', json('beta', 'gama'));
      expect(shifted.body.documents.map((d: { replaced: boolean }) => d.replaced)).toEqual([true, true]);
      expect(shifted.body.removed).toEqual([expect.objectContaining({ title: 'Regra gama' })]);
      expect(await sources('regras')).toEqual(['regras.json#0 Regra beta', 'regras.json#1 Regra gama']);
      // a record put first: the one that moved to a new position must not be "deduplicated" to its old place, then overwritten
      const grown = await upload('regras', 'regras.json', json('alfa', 'beta', 'gama'));
      expect(grown.body.removed).toBeUndefined();
      expect(await sources('regras')).toEqual(['regras.json#0 Regra alfa', 'regras.json#1 Regra beta', 'regras.json#2 Regra gama']);
      for (const k of ['alfa', 'beta', 'gama']) {
        const hits = (await search(t, { query: `regra ${k} do manual de compras`, collection: 'regras', mode: 'text', top_k: 1 })).body.hits;
        expect(hits[0].text).toBe(rec(k).text);
      }
    });
  });

  describe('list, get, delete', () => {
    it('paginates, filters by metadata, reads one with its chunk count and deletes it with its chunks', async () => {
      for (let i = 0; i < 5; i++) {
        await t.http.post('/v1/documents').send({ title: `Doc ${i}`, text: `Texto do documento número ${i} sobre contratos.`, collection: 'crud', metadata: { n: i, par: i % 2 === 0 } });
      }
      const page = await t.http.get('/v1/documents').query({ collection: 'crud', limit: 2, offset: 0 });
      expect(page.body).toMatchObject({ total: 5, limit: 2, offset: 0 });
      expect(page.body.items.map((d: { title: string }) => d.title)).toEqual(['Doc 4', 'Doc 3']);
      const even = await t.http.get('/v1/documents').query({ collection: 'crud', metadata: '{"par":true}' });
      expect(even.body.total).toBe(3);
      // The search filter grammar: ranges and "in" too.
      const list = async (metadata: unknown) =>
        (await t.http.get('/v1/documents').query({ collection: 'crud', metadata: JSON.stringify(metadata) })).body.items
          .map((d: { metadata: { n: number } }) => d.metadata.n)
          .sort();
      expect(await list({ n: { gte: 1, lt: 3 } })).toEqual([1, 2]);
      expect(await list({ n: { in: [0, 4] }, par: true })).toEqual([0, 4]);
      const nested = await t.http.get('/v1/documents').query({ metadata: '{"n":{"between":[1,2]}}' });
      expectProblem(nested, 400, 'INGESTION.INVALID_REQUEST');
      expect(nested.body.errors[0]).toMatchObject({ field: 'metadata', message: expect.stringContaining('"gte": 8') });
      const id = page.body.items[0].id;
      const one = await t.http.get(`/v1/documents/${id}`);
      expect(one.body).toMatchObject({ id, title: 'Doc 4', chunk_count: 1, collection: 'crud', source_type: 'json', metadata: { n: 4 } });
      expect(one.body.content_hash).toMatch(/^[0-9a-f]{64}$/);

      expect((await t.http.delete(`/v1/documents/${id}`)).status).toBe(204);
      expectProblem(await t.http.get(`/v1/documents/${id}`), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
      const hits = (await search(t, { query: 'documento número 4 contratos', collection: 'crud', top_k: 10 })).body.hits;
      expect(hits.map((h: { document_id: string }) => h.document_id)).not.toContain(id);
      expectProblem(await t.http.delete(`/v1/documents/${id}`), 404, 'INGESTION.DOCUMENT_NOT_FOUND');
      expectProblem(await t.http.get('/v1/documents/not-a-uuid'), 400, 'REQUEST.VALIDATION');
    });
  });

  describe('NUL characters', () => {
    it('stores and searches text with NUL characters (which Postgres cannot hold) without them', async () => {
      const res = await t.http
        .post('/v1/documents')
        .send({ title: 'Nulo\u0000', text: 'Um texto com\u0000 nulo.', source_id: 'nul\u0000', collection: 'nul', metadata: { 'k\u0000': 'v\u0000', l: ['a\u0000'] } });
      expect(res.status).toBe(201);
      const doc = (await t.http.get(`/v1/documents/${res.body.id}`)).body;
      expect(doc).toMatchObject({ title: 'Nulo', source_id: 'nul', metadata: { k: 'v', l: ['a'] } });
      const upload = await t.http
        .post('/v1/documents')
        .field('collection', 'nul')
        .attach('files', Buffer.from('id,title\n1,"com\u0000nulo"\n2,dois\n'), 'nul.csv')
        .attach('files', Buffer.from(JSON.stringify({ title: 't\u0000', text: 'corpo', metadata: { m: 'x\u0000' } })), 'nul.json');
      expect(upload.status).toBe(201);
      expect(upload.body.documents).toHaveLength(3);
      const hits = await search(t, { query: 'texto\u0000 nulo', collection: 'nul', filters: { k: 'v\u0000' } });
      expect(hits.status).toBe(200);
      expect(hits.body.hits[0].document_id).toBe(res.body.id);
      const listed = await t.http.get('/v1/documents').query({ collection: 'nul', metadata: JSON.stringify({ 'k\u0000': 'v' }) });
      expect(listed.status).toBe(200);
      expect(listed.body.total).toBe(1);
      const asked = await t.http.post('/v1/ask').send({ question: 'texto\u0000 nulo?', collection: 'nul' });
      expect(asked.status).toBe(200);
    });
  });

  describe('bad input: clear problem+json, nothing lost', () => {
    let before: number;
    beforeAll(async () => (before = await countDocs(t)));
    afterAll(async () => expect(await countDocs(t)).toBe(before));

    it('415 for an unsupported type, and nothing from the same request is stored', async () => {
      const res = await t.http
        .post('/v1/documents')
        .attach('files', Buffer.from('texto válido que não deve ficar'), 'ok.txt')
        .attach('files', Buffer.from('MZ\x90\x00binary'), 'virus.exe');
      const p = expectProblem(res, 415, 'INGESTION.UNSUPPORTED_TYPE');
      expect(p.detail).toMatch(/\.exe/);
      expect((await search(t, { query: 'texto válido que não deve ficar' })).body.hits.map((h: { title: string }) => h.title)).not.toContain('ok');
    });

    it('422 for empty and unreadable documents', async () => {
      expectProblem(await t.http.post('/v1/documents').attach('files', Buffer.from('   \n\n  '), 'vazio.txt'), 422, 'INGESTION.EMPTY_DOCUMENT');
      expectProblem(await t.http.post('/v1/documents').attach('files', Buffer.from('%PDF-1.4 garbage'), 'quebrado.pdf'), 422, 'INGESTION.UNREADABLE_DOCUMENT');
      expectProblem(await t.http.post('/v1/documents').attach('files', Buffer.from('{"a":'), 'quebrado.json'), 422, 'INGESTION.UNREADABLE_DOCUMENT');
      expectProblem(await t.http.post('/v1/documents').attach('files', Buffer.from('PK\x03\x04 not a zip'), 'quebrado.docx'), 422, 'INGESTION.UNREADABLE_DOCUMENT');
    });

    it('413 over the configured sizes: uploaded file, JSON body, text length', async () => {
      const { maxFileBytes } = t.config.ingestion;
      const big = Buffer.alloc(maxFileBytes + 10, 'a');
      const file = expectProblem(await t.http.post('/v1/documents').attach('files', big, 'grande.txt'), 413, 'INGESTION.TOO_LARGE');
      expect(file.detail).toContain(`${maxFileBytes} bytes`);
      const body = { title: 'grande', text: 'palavra '.repeat(Math.ceil(Math.max(maxFileBytes, 1024 * 1024) / 8) + 10) };
      expectProblem(await t.http.post('/v1/documents').send(body), 413, 'REQUEST.TOO_LARGE');
      const chars = await startTestApp({ ingestion: { maxTextChars: 1000 } }, { reset: false }); // keep what the suite stored (server pass)
      try {
        const long = expectProblem(await chars.http.post('/v1/documents').send({ title: 'longo', text: 'palavra '.repeat(200) }), 413, 'INGESTION.TOO_LARGE');
        expect(long.detail).toContain('1000 characters');
        // measured on the text normalized once: blank lines with NUL between them stay apart (a second pass folded them)
        const folded = ('palavra' + '\n\n\u0000'.repeat(20)).repeat(100);
        expectProblem(await chars.http.post('/v1/documents').send({ title: 'nul', text: folded }), 413, 'INGESTION.TOO_LARGE');
        expectProblem(await chars.http.post('/v1/documents?async=true').send({ title: 'nul', text: folded }), 413, 'INGESTION.TOO_LARGE');
        // a background job is refused at once too (it was answered 202 and the job then failed with 413)
        expectProblem(await chars.http.post('/v1/documents?async=true').send({ title: 'longo', text: 'palavra '.repeat(200) }), 413, 'INGESTION.TOO_LARGE');
        // the limit is on the normalized text: the blank lines normalization folds do not count against it
        const spaced = await chars.http.post('/v1/documents?async=true').send({ title: 'espaçado', text: `inicio${'\n'.repeat(1500)}fim ${Date.now()}` });
        expect(spaced.status).toBe(202);
        let job = (await chars.http.get(spaced.body.status_url)).body;
        for (let i = 0; i < 100 && (job.state === 'waiting' || job.state === 'active'); i++) {
          await new Promise((r) => setTimeout(r, 100));
          job = (await chars.http.get(spaced.body.status_url)).body;
        }
        expect(job).toMatchObject({ state: 'completed', result: { title: 'espaçado' } });
        expect((await chars.http.delete(`/v1/documents/${job.result.id}`)).status).toBe(204);
        const short = await chars.http.post('/v1/documents').send({ title: 'curto', text: `${'palavra '.repeat(100)}${Date.now()}` });
        expect(short.status).toBe(201);
        expect((await chars.http.delete(`/v1/documents/${short.body.id}`)).status).toBe(204);
      } finally {
        await chars.close();
      }
    });

    it('400 for a query parameter other than async (?collection= was ignored and the document stored in default)', async () => {
      const before = (await t.http.get('/v1/documents').query({ limit: 1 }).expect(200)).body.total;
      const json = expectProblem(await t.http.post('/v1/documents?collection=zzz&foo=1').send({ title: 'Consulta', text: 'Texto enviado com parâmetros na URL.' }), 400, 'INGESTION.INVALID_REQUEST');
      expect(json.detail).toMatch(/^collection: /);
      expectProblem(await t.http.post('/v1/documents?collection=zzz').attach('files', Buffer.from('Texto do arquivo.'), 'a.txt'), 400, 'INGESTION.INVALID_REQUEST');
      expectProblem(await t.http.post('/v1/documents/url?foo=1').send({ url: 'http://127.0.0.1:9/x' }), 400, 'INGESTION.INVALID_REQUEST');
      expectProblem(await t.http.post('/v1/documents?async=talvez').send({ title: 'Consulta', text: 'Texto.' }), 400, 'INGESTION.INVALID_REQUEST');
      expect((await t.http.get('/v1/documents').query({ limit: 1 }).expect(200)).body.total).toBe(before);
    });

    it('400 for invalid JSON bodies, malformed JSON and unknown fields; 415 for other content types', async () => {
      const missing = expectProblem(await t.http.post('/v1/documents').send({ title: 'x' }), 400, 'REQUEST.VALIDATION');
      expect(missing.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'text' })]));
      expectProblem(await t.http.post('/v1/documents').send({ title: 'x', text: 'y', collection: 'Nope!' }), 400, 'REQUEST.VALIDATION');
      expectProblem(await t.http.post('/v1/documents').send({ title: 'x', text: 'y', extra: 1 }), 400, 'REQUEST.VALIDATION');
      expectProblem(await t.http.post('/v1/documents').set('content-type', 'application/json').send('{"title": '), 400, 'REQUEST.MALFORMED_JSON');
      expectProblem(await t.http.post('/v1/documents').set('content-type', 'text/plain').send('hello'), 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await t.http.post('/v1/documents').field('collection', 'default'), 400, 'INGESTION.INVALID_REQUEST');
      expectProblem(await t.http.post('/v1/documents').field('metadata', '[1]').attach('files', Buffer.from('abc'), 'a.txt'), 400, 'INGESTION.INVALID_REQUEST');
    });
  });
});
