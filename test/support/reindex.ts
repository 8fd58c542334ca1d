import type { TestApp } from './app';
import { until as poll } from './poll';

/** Searches whose hits show which vectors answer (the collections are made by `seedProcedures`). */
export const REINDEX_QUERIES = ['comprovante 7 do reembolso', 'aprovação do gestor', 'portal interno chamado 15'];

/** A CSV of `rows` procedures on `topic`, one chunk each. */
export function procedures(rows: number, topic: string): Buffer {
  const lines = ['id,titulo,descricao'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},Procedimento ${i} de ${topic},"Passo ${i} do ${topic}: abrir chamado ${i} no portal interno, anexar o comprovante ${i} e aguardar a aprovação do gestor."`);
  return Buffer.from(lines.join('\n'), 'utf8');
}

/** Uploads `rows` procedures into `collection` and waits for them to be stored. */
export async function seedProcedures(t: TestApp, collection: string, rows: number): Promise<void> {
  const res = await t.http.post('/v1/documents?async=false').field('collection', collection).attach('files', procedures(rows, 'reembolso'), `${collection}.csv`);
  expect(res.status).toBe(201);
}

/** Polls `probe` every 20 ms until `done` holds (support/poll); throws naming `what` after `timeoutMs`. */
export function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  return poll(probe, done, what, timeoutMs, 20);
}

/** What a user of the collection sees: the embedder and ranked hits of a few searches, vector and hybrid. */
export async function searchesOf(t: TestApp, collection: string) {
  const out = [];
  for (const query of REINDEX_QUERIES) {
    for (const mode of ['vector', 'hybrid']) {
      const res = await t.http.post('/v1/search').send({ query, collection, mode, top_k: 5 }).expect(200);
      out.push({ query, mode, embedder: res.body.embedder as string, hits: res.body.hits.map((h: { title: string; score: number }) => [h.title, h.score]) as Array<[string, number]> });
    }
  }
  return out;
}
