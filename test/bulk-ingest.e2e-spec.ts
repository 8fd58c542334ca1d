import { IngestFilesHandler, IngestTextHandler } from '../src/modules/ingestion';
import type { IngestTextCommand } from '../src/modules/ingestion/application/ingest/ingest.command';
import { startTestApp, TestApp } from './support/app';

/**
 * Batched ingestion (IngestTextHandler.executeMany, behind uploads, CSV, jobs and the CLI): many documents per
 * transaction with the results of ingesting them one by one. Batches of 3 here, so a run of 7 spans several. In
 * server mode up to 3 batches are written at once (a pool of 4; the embedded engine writes one at a time).
 */
describe('bulk ingestion (documents written in batches)', () => {
  let t: TestApp;
  let ingest: IngestTextHandler;
  beforeAll(async () => {
    t = await startTestApp({ database: { poolSize: 4 }, ingestion: { batch: { documents: 3, writers: 3 } } });
    ingest = t.app.get(IngestTextHandler);
  });
  afterAll(async () => t.close());

  const doc = (collection: string, title: string, text: string, extra: Partial<IngestTextCommand> = {}): IngestTextCommand => ({
    collection, title, text, mimeType: 'text/plain', sourceType: 'json', ...extra,
  });
  const chunkTexts = async (documentId: string): Promise<string[]> =>
    ((await t.dataSource.query(`SELECT text FROM chunks WHERE document_id = $1 ORDER BY position`, [documentId])) as Array<{ text: string }>).map((r) => r.text);
  const docCount = async (collection: string): Promise<number> =>
    ((await t.dataSource.query(`SELECT count(*)::int AS n FROM documents WHERE collection = $1`, [collection])) as Array<{ n: number }>)[0].n;

  it('keeps per-document results: a bad document fails alone, a duplicate is deduplicated, a repeated source replaces', async () => {
    const c = 'bulk-semantics';
    const seen: number[] = [];
    const outcomes = await ingest.executeMany(
      [
        doc(c, 'Férias', 'Cada colaborador tem direito a trinta dias de férias por ano.'),
        doc(c, 'Vazio', ' \n\n \t '),
        doc(c, 'Reembolso', 'Reembolsos são pedidos no portal financeiro em até trinta dias.', { sourceId: 'reembolso.txt' }),
        doc(c, 'Férias (cópia)', 'Cada colaborador tem direito a trinta dias de férias por ano.'),
        doc(c, 'Reembolso v2', 'Reembolsos agora são pedidos pelo aplicativo, em até quinze dias.', { sourceId: 'reembolso.txt' }),
        doc(c, 'Backups', 'Backups automáticos diários às 02h00 com retenção de trinta dias.'),
        doc(c, 'VPN', 'O acesso remoto usa a VPN corporativa com autenticação em dois fatores.'),
      ],
      (_o, i) => seen.push(i),
    );
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]); // progress in input order
    const [ferias, vazio, reembolso, copia, reembolso2, backups, vpn] = outcomes;
    expect(vazio.error).toMatchObject({ code: 'INGESTION.EMPTY_DOCUMENT' });
    expect(ferias.result).toMatchObject({ deduplicated: false, replaced: false, chunks: 1 });
    expect(copia.result).toEqual({ ...ferias.result, deduplicated: true });
    expect(reembolso2.result).toMatchObject({ id: reembolso.result!.id, replaced: true, deduplicated: false });
    for (const o of [backups, vpn]) expect(o.result).toMatchObject({ deduplicated: false, replaced: false, chunks: 1 });
    expect(await docCount(c)).toBe(4);
    // the replaced source holds only its new text
    expect(await chunkTexts(reembolso.result!.id)).toEqual(['Reembolsos agora são pedidos pelo aplicativo, em até quinze dias.']);
    const hits = (await t.http.post('/v1/search').send({ query: 'reembolso aplicativo', collection: c, mode: 'text' })).body.hits;
    expect(hits.map((h: { title: string }) => h.title)).toEqual(['Reembolso v2']);
  });

  it('gives chunks time-ordered ids (UUIDv7): the chunks of a document sort by id in the order they were cut', async () => {
    // (random ids scattered a batch's postings over the postings index: docs/BENCHMARKS.md, issue 13, session 13)
    const text = Array.from({ length: 12 }, (_, p) => Array.from({ length: 20 }, (_, i) => `Seção ${p}, item ${i}: o contrato prevê multa por atraso.`).join(' ')).join('\n\n');
    const [out] = await ingest.executeMany([doc('bulk-ids', 'Contrato', text)]);
    const ids = ((await t.dataSource.query(`SELECT id FROM chunks WHERE document_id = $1 ORDER BY position`, [out.result!.id])) as Array<{ id: string }>).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('a document whose write fails does not take the rest of its batch with it', async () => {
    const c = 'bulk-write-failure';
    // the database refuses one document (a constraint that only this test adds): the batch's transaction fails,
    // and its documents are written again one by one
    await t.dataSource.query(`ALTER TABLE documents ADD CONSTRAINT bulk_test_refuses CHECK (title <> 'Ruim')`);
    const outcomes = await ingest
      .executeMany([
        doc(c, 'Um', 'Primeiro documento do lote, sobre o plano de saúde.'),
        doc(c, 'Ruim', 'Documento que o banco recusa.'),
        doc(c, 'Três', 'Terceiro documento do lote, sobre o vale-refeição.'),
      ])
      .finally(() => t.dataSource.query(`ALTER TABLE documents DROP CONSTRAINT bulk_test_refuses`));
    expect(outcomes[0].result).toMatchObject({ deduplicated: false, chunks: 1 });
    expect(outcomes[1].error).toMatchObject({ message: expect.stringContaining('bulk_test_refuses') });
    expect(outcomes[2].result).toMatchObject({ deduplicated: false, chunks: 1 });
    expect(await docCount(c)).toBe(2);
    expect(await chunkTexts(outcomes[2].result!.id)).toEqual(['Terceiro documento do lote, sobre o vale-refeição.']);
  });

  it('re-ingests a batch of changed sources atomically: every document is either all old or all new', async () => {
    const c = 'bulk-replace';
    const v1 = Array.from({ length: 6 }, (_, i) => doc(c, `Política ${i}`, `Versão antiga da política ${i}: `.concat('regra antiga. '.repeat(200)), { sourceId: `p${i}` }));
    const first = await ingest.executeMany(v1);
    const ids = first.map((o) => o.result!.id);
    const v2 = v1.map((d, i) => ({ ...d, text: `Versão nova da política ${i}: `.concat('regra nova. '.repeat(300)) }));
    let stop = false;
    const mixed: string[] = [];
    // a reader polling while the batch is written never sees one document with old and new chunks at once
    const reader = (async () => {
      while (!stop) {
        const rows = (await t.dataSource.query(
          `SELECT document_id, bool_or(text LIKE '%antiga%') AS old, bool_or(text LIKE '%nova%') AS new FROM chunks WHERE collection = $1 GROUP BY document_id`,
          [c],
        )) as Array<{ document_id: string; old: boolean; new: boolean }>;
        for (const r of rows) if (r.old && r.new) mixed.push(r.document_id);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const second = await ingest.executeMany(v2);
    stop = true;
    await reader;
    expect(mixed).toEqual([]);
    expect(second.map((o) => o.result)).toEqual(ids.map((id) => expect.objectContaining({ id, replaced: true, deduplicated: false })));
    for (const [i, id] of ids.entries()) {
      const texts = await chunkTexts(id);
      expect(texts.length).toBe(second[i].result!.chunks);
      expect(texts.every((x) => !x.includes('antiga'))).toBe(true);
    }
    expect(await docCount(c)).toBe(6);
  });

  it('new documents written side by side (batches of one call, concurrent calls, single documents) keep the BM25 statistics exact', async () => {
    const c = 'bulk-parallel';
    // 24 documents, every one sharing words with the others (the same BM25 rows) and holding its own: one call of
    // 12 (4 batches), and two concurrent calls of 6 (2 batches each)
    const texts = Array.from({ length: 24 }, (_, i) => `Norma ${i} sobre férias, reembolso e backups: `.concat(`regra${i} única `.repeat(3), 'texto comum do manual. '.repeat(40)));
    const commands = texts.map((text, i) => doc(c, `Norma ${i}`, text, { sourceId: `n${i}` }));
    const outcomes = await ingest.executeMany(commands.slice(0, 12));
    outcomes.push(...(await Promise.all([ingest.executeMany(commands.slice(12, 18)), ingest.executeMany(commands.slice(18))])).flat());
    // and single new documents written concurrently (POST /v1/documents with a text): the same write, one document each
    const singles = Array.from({ length: 4 }, (_, i) => doc(c, `Avulsa ${i}`, `Avulsa ${i} sobre férias e reembolso: `.concat(`avulsa${i} `.repeat(3), 'texto comum do manual. '.repeat(20))));
    const written = await Promise.all(singles.map((d) => ingest.execute(d)));
    expect(written).toEqual(singles.map(() => expect.objectContaining({ deduplicated: false, replaced: false })));
    outcomes.push(...written.map((result) => ({ result })));
    expect(outcomes.map((o) => o.result)).toEqual(outcomes.map(() => expect.objectContaining({ deduplicated: false, replaced: false })));
    expect(await docCount(c)).toBe(28);
    const rebuilt = `SELECT s.id AS lexeme_id, c.id AS chunk_id, coalesce(array_length(u.positions, 1), 1) AS tf, c.token_count AS dl
                       FROM chunks c CROSS JOIN LATERAL unnest(c.tsv) u JOIN lexeme_stats s ON s.collection = c.collection AND s.lexeme = u.lexeme
                      WHERE c.collection = $1`;
    const mine = `SELECT p.lexeme_id, p.chunk_id, p.tf, p.dl FROM postings p JOIN lexeme_stats s ON s.id = p.lexeme_id WHERE s.collection = $1`;
    const [{ diff }] = await t.dataSource.query(`SELECT count(*)::int AS diff FROM ((${rebuilt} EXCEPT ${mine}) UNION ALL (${mine} EXCEPT ${rebuilt})) x`, [c]);
    expect(diff).toBe(0);
    const [{ wrong }] = await t.dataSource.query(
      `SELECT count(*)::int AS wrong FROM lexeme_stats s LEFT JOIN (SELECT lexeme_id, count(*)::int AS n FROM postings GROUP BY 1) p ON p.lexeme_id = s.id
        WHERE s.collection = $1 AND s.df <> coalesce(p.n, 0)`,
      [c],
    );
    expect(wrong).toBe(0);
    const [stats] = await t.dataSource.query(
      `SELECT s.chunk_count::int AS kept, (SELECT count(*)::int FROM chunks WHERE collection = $1) AS counted,
              s.token_count::int AS tokens, (SELECT sum(token_count)::int FROM chunks WHERE collection = $1) AS summed
         FROM collection_stats s WHERE s.collection = $1`,
      [c],
    );
    expect(stats.kept).toBe(outcomes.reduce((k, o) => k + o.result!.chunks, 0));
    expect(stats.counted).toBe(stats.kept);
    expect(stats.tokens).toBe(stats.summed);
    const hits = (await t.http.post('/v1/search').send({ query: 'regra7', collection: c, mode: 'text' })).body.hits;
    expect(hits.map((h: { title: string }) => h.title)).toEqual(['Norma 7']);
  });

  it('deduplicates a repeated CSV row within one upload and reports every row', async () => {
    // row 3 repeats row 1 whole (a row's text is its fields and its text columns: the same description under
    // another id or title is another record, and is kept)
    const csv = ['id,titulo,texto', '1,Férias,Trinta dias de férias por ano para cada colaborador.', '2,Reembolso,Reembolso pelo portal financeiro.', '1,Férias,Trinta dias de férias por ano para cada colaborador.', '4,VPN,Acesso remoto pela VPN corporativa.'].join('\n');
    const res = await t.http.post('/v1/documents').field('collection', 'bulk-csv').attach('files', Buffer.from(csv), 'politicas.csv');
    expect(res.status).toBe(201);
    const docs = res.body.documents as Array<{ id: string; deduplicated: boolean }>;
    expect(docs).toHaveLength(4);
    expect(docs.map((d) => d.deduplicated)).toEqual([false, false, true, false]);
    expect(docs[2].id).toBe(docs[0].id);
    expect(await docCount('bulk-csv')).toBe(3);
  });

  it('a file of many records sent again over several batches loses the records it no longer has, whichever batch ends it', async () => {
    const files = t.app.get(IngestFilesHandler);
    const c = 'bulk-file-versions';
    const csv = (ids: number[]) => Buffer.from(['id,texto', ...ids.map((i) => `${i},Norma interna número ${i} sobre o uso de salas de reunião.`)].join('\n'));
    const upload = async (ids: number[]) => {
      const raw = { buffer: csv(ids), filename: 'normas.csv' };
      return files.ingestParsed({ collection: c, files: [raw] }, await files.parseAll([raw]));
    };
    const stored = async () =>
      ((await t.dataSource.query(`SELECT source_id FROM documents WHERE collection = $1 ORDER BY source_id`, [c])) as Array<{ source_id: string }>).map((r) => r.source_id);
    const v1 = await upload([1, 2, 3, 4, 5, 6, 7, 8]); // batches of 3: 3 + 3 + 2
    expect(v1.removed).toBeUndefined();
    // every remaining row unchanged: no batch writes, the last one's removal runs in a transaction of its own
    const v2 = await upload([1, 2, 3, 4, 5, 6]);
    expect(v2.documents.map((d) => d.deduplicated)).toEqual([true, true, true, true, true, true]);
    expect(v2.removed).toEqual([v1.documents[6], v1.documents[7]].map(({ id, title }) => ({ id, title })));
    expect(await stored()).toEqual(['normas.csv#1', 'normas.csv#2', 'normas.csv#3', 'normas.csv#4', 'normas.csv#5', 'normas.csv#6']);
    // a new row in the last batch: the removal goes with its write
    const v3 = await upload([1, 2, 3, 4, 5, 9]);
    expect(v3.documents.map((d) => d.deduplicated)).toEqual([true, true, true, true, true, false]);
    expect(v3.removed).toEqual([{ id: v1.documents[5].id, title: v1.documents[5].title }]);
    expect(await stored()).toEqual(['normas.csv#1', 'normas.csv#2', 'normas.csv#3', 'normas.csv#4', 'normas.csv#5', 'normas.csv#9']);
    const chunks = (await t.dataSource.query(`SELECT count(*)::int AS n FROM chunks WHERE collection = $1`, [c])) as Array<{ n: number }>;
    expect(chunks[0].n).toBe(6); // the removed rows' chunks went with them
    // the CLI's path (many files, each with its own outcome)
    const [outcome] = await files.ingestEach({ collection: c }, [{ buffer: csv([1, 2]), filename: 'normas.csv' }]);
    expect(outcome.removed?.map((r) => r.title).sort()).toEqual(['normas #3', 'normas #4', 'normas #5', 'normas #6']);
    expect(await docCount(c)).toBe(2);
  });
});
