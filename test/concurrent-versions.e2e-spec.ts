import { randomUUID } from 'node:crypto';
import { runAsUser } from '../src/shared/logging';
import { SOURCE_LOCKS } from '../src/modules/ingestion/application/ports/ingestion.tokens';
import type { SourceLocks } from '../src/modules/ingestion/application/ports/source-locks.port';
import { TypeOrmSourceLocks } from '../src/modules/ingestion/infrastructure/persistence/typeorm-source-locks';
import { SERVER_MODE, startTestApp, TestApp } from './support/app';

/**
 * Versions of one file uploaded at once (same collection, same file name, different content): the runs writing one
 * source take turns (IngestTextHandler.executeMany holds the source's lock, SourceLocks, for the whole run), so the last
 * one to write stays, whole, and each caller's answer was true when its run wrote it. Batches of 3 here, so a CSV version
 * of 5-8 rows is written in several transactions (where rows of two versions used to mix: review s14).
 */
describe('concurrent versions of one file', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ database: { poolSize: 4 }, ingestion: { batch: { documents: 3, writers: 3 } } });
  });
  afterAll(async () => t.close());

  const N = 4;
  const ROUNDS = 3;
  const upload = (app: TestApp, collection: string, name: string, content: string, query = '') =>
    app.http.post(`/v1/documents${query}`).field('collection', collection).attach('files', Buffer.from(content, 'utf8'), name);
  const stored = async (collection: string) =>
    (await t.dataSource.query(
      `SELECT d.id, d.source_id, d.title, d.chunk_count, (SELECT count(*)::int FROM chunks c WHERE c.document_id = d.id) AS chunks,
              (SELECT string_agg(c.text, ' ' ORDER BY c.position) FROM chunks c WHERE c.document_id = d.id) AS text
       FROM documents d WHERE d.collection = $1 ORDER BY d.source_id`,
      [collection],
    )) as Array<{ id: string; source_id: string; title: string; chunk_count: number; chunks: number; text: string }>;
  /** Version `v` (of round `r`) of a CSV: 5-8 rows, so a shorter version drops rows of a longer one (its removal runs too). */
  const rowsOf = (v: number) => 5 + ((v * 3) % N);
  const csv = (r: number, v: number) =>
    'id,texto\n' + Array.from({ length: rowsOf(v) }, (_, i) => `${i + 1},Versão ${r}.${v} da linha ${i + 1}: o ramal ${v}${i} atende o setor ${i}.`).join('\n') + '\n';

  /** What is stored of a CSV: exactly one version, whole (each row with its chunks); returns its number. */
  async function oneWholeVersion(collection: string, round: number): Promise<number> {
    const rows = await stored(collection);
    const versions = new Set(rows.map((r) => /Versão (\d+\.\d+)/.exec(r.text)![1]));
    expect([...versions]).toHaveLength(1);
    const [r, v] = [...versions][0].split('.').map(Number);
    expect(r).toBe(round);
    expect(rows.map((x) => x.source_id)).toEqual(Array.from({ length: rowsOf(v) }, (_, i) => `ramais.csv#${i + 1}`).sort());
    for (const x of rows) expect(x.chunks).toBe(x.chunk_count);
    return v;
  }

  /** The answer of the run that stayed lists exactly what is stored (ids, titles, chunk counts). */
  async function answerIsStored(collection: string, documents: Array<{ id: string; title: string; chunks: number }>): Promise<void> {
    const rows = await stored(collection);
    expect(documents.map((d) => d.id).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const d of documents) expect(rows.find((r) => r.id === d.id)).toMatchObject({ title: d.title, chunk_count: d.chunks });
  }

  it('CSV: N versions at once end as exactly one whole version, the one whose answer lists what is stored', async () => {
    const c = 'race-csv';
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all(Array.from({ length: N }, (_, v) => upload(t, c, 'ramais.csv', csv(round, v))));
      for (const a of answers) expect([200, 201]).toContain(a.status);
      const winner = await oneWholeVersion(c, round);
      await answerIsStored(c, answers[winner].body.documents);
    }
  });

  it('one document: N versions at once end as exactly one version, with all its chunks and none of another', async () => {
    const c = 'race-txt';
    const version = (v: number) =>
      Array.from({ length: 6 + v }, (_, p) => Array.from({ length: 12 }, (_, i) => `Versão ${v}, seção ${p}, item ${i}: o contrato prevê multa.`).join(' ')).join('\n\n');
    const answers = await Promise.all(Array.from({ length: N }, (_, v) => upload(t, c, 'contrato.txt', version(v))));
    for (const a of answers) expect([200, 201]).toContain(a.status);
    const rows = await stored(c);
    expect(rows).toHaveLength(1);
    const versions = new Set([...rows[0].text.matchAll(/Versão (\d+)/g)].map((m) => m[1]));
    expect(versions.size).toBe(1);
    const winner = Number([...versions][0]);
    expect(rows[0].chunks).toBe(rows[0].chunk_count);
    expect(answers[winner].body.documents[0]).toMatchObject({ id: rows[0].id, chunks: rows[0].chunk_count });
  });

  it('background jobs and direct uploads of one CSV at once take turns too (the queue path shares the run)', async () => {
    const c = 'race-jobs';
    const answers = await Promise.all(Array.from({ length: N }, (_, v) => upload(t, c, 'ramais.csv', csv(0, v), v % 2 ? '?async=true' : '?async=false')));
    const results: Array<Array<{ id: string; title: string; chunks: number }>> = [];
    for (const [v, a] of answers.entries()) {
      if (v % 2 === 0) {
        expect([200, 201]).toContain(a.status);
        results[v] = a.body.documents;
        continue;
      }
      expect(a.status).toBe(202);
      const deadline = Date.now() + 60_000;
      let job: { state: string; result?: { documents: Array<{ id: string; title: string; chunks: number }> } };
      while (!['completed', 'failed'].includes((job = (await t.http.get(`/v1/jobs/${a.body.job_id}`)).body).state) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(job.state).toBe('completed');
      results[v] = job.result!.documents;
    }
    const winner = await oneWholeVersion(c, 0);
    await answerIsStored(c, results[winner]);
  });

  it("a run waits for the lock of its file only: another file's upload goes on while it is held", async () => {
    const locks = t.app.get<SourceLocks>(SOURCE_LOCKS);
    const c = 'race-lock';
    const release = await locks.hold([{ collection: c, source: 'a.csv' }]);
    let aDone = false;
    const a = upload(t, c, 'a.csv', 'id,texto\n1,Linha um de a.\n2,Linha dois de a.\n').then((res) => ((aDone = true), res));
    // b.csv is written while a.csv's lock is held...
    const b = await upload(t, c, 'b.csv', 'id,texto\n1,Linha um de b.\n2,Linha dois de b.\n');
    expect(b.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    // ...and a.csv waits for it
    expect(aDone).toBe(false);
    expect((await stored(c)).map((r) => r.source_id)).toEqual(['b.csv#1', 'b.csv#2']);
    await release();
    expect((await a).status).toBe(201);
    expect((await stored(c)).map((r) => r.source_id)).toEqual(['a.csv#1', 'a.csv#2', 'b.csv#1', 'b.csv#2']);
  });

  it('a lease whose holder died lapses; a run that waits too long for a held source gets INGESTION.SOURCE_BUSY (409)', async () => {
    const impatient = new TypeOrmSourceLocks(t.dataSource, 300);
    const key = { collection: 'race-lease', source: 'x.csv' };
    // a holder that died 1 s after its lease ran out: taken over at once
    await t.dataSource.query(`INSERT INTO source_locks VALUES ($1, $2, gen_random_uuid(), now() - interval '1 second')`, [key.collection, key.source]);
    const release = await impatient.hold([key]);
    // a live one: waited for, then refused
    const started = Date.now();
    await expect(impatient.hold([{ collection: 'race-lease', source: 'y.csv' }, key])).rejects.toMatchObject({ code: 'INGESTION.SOURCE_BUSY', kind: 'conflict', details: { sources: ['x.csv', 'y.csv'] } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    // all or none: the free key it took while trying is not kept
    expect((await t.dataSource.query(`SELECT source FROM source_locks WHERE collection = 'race-lease' ORDER BY source`)).map((r: { source: string }) => r.source)).toEqual(['x.csv']);
    await release();
    expect(await t.dataSource.query(`SELECT source FROM source_locks WHERE collection = 'race-lease'`)).toEqual([]);

    // a job run again after its process died holds as its job: it takes its own live lease back at once
    const job = randomUUID();
    await t.dataSource.query(`INSERT INTO source_locks VALUES ($1, $2, $3, now() + interval '2 minutes')`, [key.collection, key.source, job]);
    const rerun = await runAsUser(undefined, () => impatient.hold([key]), undefined, job);
    await expect(impatient.hold([key])).rejects.toMatchObject({ code: 'INGESTION.SOURCE_BUSY' });
    await rerun();
    expect(await t.dataSource.query(`SELECT source FROM source_locks WHERE collection = 'race-lease'`)).toEqual([]);
  });

  // two replicas on one database server: the lock is in the database, not in one process
  (SERVER_MODE ? it : it.skip)('replicas: versions uploaded to two instances at once end as one whole version', async () => {
    const other = await startTestApp({ database: { poolSize: 4 }, ingestion: { batch: { documents: 3, writers: 3 } } }, { reset: false });
    try {
      const c = 'race-replicas';
      for (let round = 0; round < ROUNDS; round++) {
        const answers = await Promise.all(Array.from({ length: N }, (_, v) => upload(v % 2 ? other : t, c, 'ramais.csv', csv(round, v))));
        for (const a of answers) expect([200, 201]).toContain(a.status);
        const winner = await oneWholeVersion(c, round);
        await answerIsStored(c, answers[winner].body.documents);
      }
    } finally {
      await other.close();
    }
  });
});
