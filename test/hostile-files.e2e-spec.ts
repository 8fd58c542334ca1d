import { expectProblem, startTestApp, TestApp } from './support/app';

/** Whether GET /health/live answered before `work` ended: the event loop stayed free while it ran. */
async function liveWhile(t: TestApp, work: Promise<unknown>): Promise<boolean> {
  let done = false;
  const ended = work.then(() => (done = true));
  await t.http.get('/health/live').expect(200);
  const answeredFirst = !done;
  await ended;
  return answeredFirst;
}

const upload = (t: TestApp, name: string, content: string | Buffer, collection = 'hostil', fields: Record<string, string> = {}) => {
  const req = t.http.post('/v1/documents').field('collection', collection);
  for (const [k, v] of Object.entries(fields)) void req.field(k, v);
  return req.attach('files', Buffer.from(content), name);
};

describe('hostile files (bounded work, a clear 4xx, titles cut to the request limits)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t.close());

  it('refuses HTML nested deeper than 256 elements with 422 (700 <div> held the event loop 37 s, 2,500 answered 500)', async () => {
    for (const levels of [700, 2500]) {
      const html = `<html><body>${'<div>'.repeat(levels)}texto${'</div>'.repeat(levels)}</body></html>`;
      const res = await upload(t, `aninhado-${levels}.html`, html);
      expectProblem(res, 422, 'INGESTION.UNREADABLE_DOCUMENT');
      expect(res.body.detail).toMatch(/nests \d+ elements deep, more than 256/);
    }
    const ok = await upload(t, 'raso.html', `<html><body>${'<div>'.repeat(100)}${'Texto da página. '.repeat(20)}${'</div>'.repeat(100)}</body></html>`);
    expect(ok.status).toBe(201);
    expect(ok.body.documents[0]).toMatchObject({ title: 'raso', chunks: 1 });
  });

  it('refuses a .json file nested deeper than 256 levels with 422 (50,000 levels: a 500)', async () => {
    for (const text of ['['.repeat(200_000) + ']'.repeat(200_000), '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)]) {
      const res = await upload(t, 'fundo.json', text);
      expectProblem(res, 422, 'INGESTION.UNREADABLE_DOCUMENT');
    }
  });

  it('chunks one 150,000-character word in slices of the chunk size, /health/live answering meanwhile (it waited 27.5 s)', async () => {
    const word = 'z'.repeat(150_000);
    const req = t.http.post('/v1/documents').send({ title: 'w', text: `inicio ${word} fim`, collection: 'palavra' }).then((r) => r);
    expect(await liveWhile(t, req)).toBe(true);
    const res = await req;
    expect(res.status).toBe(201);
    expect(res.body.chunks).toBe(Math.ceil(150_000 / 256) + 2);
  });

  it('cuts a title taken from a file (Markdown heading, <title>, JSON title, CSV cell) and a long file name to 500 characters', async () => {
    const huge = Array.from({ length: 2_000 }, (_, i) => ['política', 'de', 'férias', 'e', 'reembolso'][i % 5]).join(' ');
    const cases: Array<[string, string]> = [
      ['titulo.md', `# ${huge}\n\nCorpo do documento em Markdown sobre o título enorme.`],
      ['titulo.html', `<html><head><title>${huge}</title></head><body><p>Corpo da página sobre o título enorme.</p></body></html>`],
      ['titulo.json', JSON.stringify({ title: huge, text: 'Corpo do arquivo JSON sobre o título enorme.' })],
      ['titulo.csv', `titulo,texto\n"${huge}","Corpo da linha do CSV sobre o título enorme, um texto longo o bastante."\n`],
    ];
    for (const [name, content] of cases) {
      const res = await upload(t, name, content, 'titulos', name.endsWith('.csv') ? { title_column: 'titulo', text_columns: 'texto' } : {});
      expect({ name, status: res.status }).toEqual({ name, status: 201 });
      const title = res.body.documents[0].title as string;
      expect(title.length).toBeLessThanOrEqual(500);
      expect(title.length).toBeGreaterThan(400);
    }
    const longName = `${'n'.repeat(1100)}.txt`;
    const res = await upload(t, longName, 'Um texto com nome de arquivo enorme.', 'titulos');
    expect(res.status).toBe(201);
    const doc = (await t.http.get(`/v1/documents/${res.body.documents[0].id}`)).body;
    expect({ title: doc.title.length, source: doc.source_id.length }).toEqual({ title: 500, source: 1000 });
    // the document is found by its text, title and all
    const hits = (await t.http.post('/v1/search').send({ query: 'corpo markdown título enorme', collection: 'titulos' })).body.hits;
    expect(hits.length).toBeGreaterThan(0);
  });
});
