/**
 * Full-text search that does not depend on accents: the default text search configuration
 * (portuguese_unaccent) folds them, and the migration that introduced it converts collections built
 * with the old default (portuguese) to exactly what a fresh ingest would have produced.
 */
import { convertCollections } from '../src/shared/database/migrations/1765000000000-accent-folding';
import { startTestApp, TestApp } from './support/app';

const DOCS = [
  { title: 'Reembolso', text: 'O prazo de aprovação do reembolso é de cinco dias úteis após o envio da nota fiscal.' },
  { title: 'Férias', text: 'As férias são solicitadas no portal com trinta dias de antecedência; a aprovação é do gestor.' },
  { title: 'Saúde', text: 'O plano de saúde cobre consultas médicas, exames e internações em toda a rede credenciada.' },
];

async function ingest(t: TestApp, collection: string): Promise<void> {
  for (const d of DOCS) await t.http.post('/v1/documents').send({ ...d, collection, source_id: d.title }).expect(201);
}

const textHits = async (t: TestApp, collection: string, query: string) =>
  (await t.http.post('/v1/search').send({ query, collection, mode: 'text' }).expect(200)).body.hits.map((h: { title: string }) => h.title);

describe('accent-insensitive full-text search', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('finds accented words from a query typed without accents, and the other way round', async () => {
    t = await startTestApp();
    expect(t.config.retrieval.textSearchConfig).toBe('portuguese_unaccent');
    await ingest(t, 'acentos');
    expect(await textHits(t, 'acentos', 'prazo de aprovacao do reembolso')).toEqual(['Reembolso', 'Férias']);
    expect(await textHits(t, 'acentos', 'ferias')).toEqual(['Férias']);
    expect(await textHits(t, 'acentos', 'saude medica')).toEqual(['Saúde']);
    expect(await textHits(t, 'acentos', 'SAÚDE')).toEqual(['Saúde']);
    const top = (await t.http.post('/v1/search').send({ query: 'prazo de aprovacao do reembolso', collection: 'acentos', mode: 'text' })).body.hits[0];
    expect(top.coverage).toBe(1);
    const ask = await t.http.post('/v1/ask').send({ question: 'Qual e o prazo de aprovacao do reembolso?', collection: 'acentos' }).expect(200);
    expect(ask.body.answer).toMatch(/cinco dias úteis/);
  });

  it('converts a collection built with the old configuration to what a fresh ingest gives', async () => {
    // A collection built with plain `portuguese`, as before the migration: accents must match exactly.
    t = await startTestApp({ retrieval: { textSearchConfig: 'portuguese' } });
    await ingest(t, 'antiga');
    expect(await textHits(t, 'antiga', 'aprovacao')).toEqual([]);
    expect((await textHits(t, 'antiga', 'aprovação')).sort()).toEqual(['Férias', 'Reembolso']);
    await t.dataSource.transaction((em) => convertCollections(em, 'portuguese', 'portuguese_unaccent'));
    const { dataDir } = t;
    await t.close({ keepData: true });

    t = await startTestApp({}, { dataDir, reset: false });
    expect((await textHits(t, 'antiga', 'aprovacao')).sort()).toEqual(['Férias', 'Reembolso']);
    await ingest(t, 'nova');
    const state = async (collection: string) => ({
      config: (await t.dataSource.query(`SELECT text_search_config::text AS c FROM collections WHERE name = $1`, [collection]))[0].c,
      lexemes: await t.dataSource.query(`SELECT lexeme, df FROM lexeme_stats WHERE collection = $1 ORDER BY lexeme`, [collection]),
      totals: await t.dataSource.query(`SELECT chunk_count::int AS n, token_count::int AS tokens FROM collection_stats WHERE collection = $1`, [collection]),
      chunks: await t.dataSource.query(
        `SELECT c.tsv::text AS tsv, c.token_count FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.collection = $1 ORDER BY d.title, c.position`,
        [collection],
      ),
    });
    const converted = await state('antiga');
    expect(converted.config).toBe('portuguese_unaccent');
    expect(converted.lexemes.length).toBeGreaterThan(20);
    expect(converted).toEqual(await state('nova'));
  });
});
