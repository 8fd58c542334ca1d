import { chunkTokens, countTokens, TextSplitterChunker } from './text-splitter.chunker';

const text = Array.from({ length: 40 }, (_, i) => `Frase número ${i} sobre o atendimento ao cliente e a política de reembolso.`).join(' ');

describe('TextSplitterChunker', () => {
  it('cuts long text into overlapping chunks whose offsets point back into the source', async () => {
    const chunks = await new TextSplitterChunker({ unit: 'characters', size: 200, overlap: 90 }).split(text);
    expect(chunks.length).toBeGreaterThan(10);
    chunks.forEach((c, i) => {
      expect(c.position).toBe(i);
      expect(text.slice(c.start, c.end)).toBe(c.text);
      expect(c.text.length).toBeLessThanOrEqual(200);
    });
    // overlap (carried in whole sentences): each chunk starts before the previous one ended
    expect(chunks[1].start).toBeLessThan(chunks[0].end);
  });

  it('sizes chunks in tokens when configured', async () => {
    const chunks = await new TextSplitterChunker({ unit: 'tokens', size: 50, overlap: 5 }).split(text);
    for (const c of chunks) expect(countTokens(c.text)).toBeLessThanOrEqual(50);
    expect(countTokens('Olá, mundo')).toBeGreaterThan(1);
  });

  it('sizes chunks with the same cl100k counts as js-tiktoken (gpt-tokenizer, faster)', async () => {
    const samples = [
      text,
      'Olá, mundo',
      '',
      '  \n\n  ',
      'Ação, exceção e coração: ênfase em pães, mãos e órgãos 😀 — R$ 1.234,56 às 02h00.',
      'x'.repeat(600), // (js-tiktoken's count of one long word grows with its square: 5,000 took 5.3 s, gpt-tokenizer 43 ms)
      ...text.split('. ').map((s) => `${s}.`),
    ];
    for (const s of samples) expect({ s, n: await chunkTokens(s) }).toEqual({ s, n: countTokens(s) });
    // a special token written in the text is counted as text by both (it threw: a document about LLMs failed to ingest)
    expect(countTokens('a <|endoftext|> b')).toBe(8);
    expect(await chunkTokens('a <|endoftext|> b')).toBe(8);
    const [only] = await new TextSplitterChunker({ unit: 'tokens', size: 256, overlap: 32 }).split('O modelo termina com <|endoftext|> no fim.');
    expect(only.text).toBe('O modelo termina com <|endoftext|> no fim.');
  });

  it('keeps a short text as one chunk covering it all', async () => {
    const [only, ...rest] = await new TextSplitterChunker({ unit: 'tokens', size: 256, overlap: 32 }).split('Texto curto.');
    expect(rest).toHaveLength(0);
    expect(only).toEqual({ position: 0, text: 'Texto curto.', start: 0, end: 12 });
  });

  it('records the heading a chunk starts under, when the section began in an earlier chunk', async () => {
    const section = ['## Backups', ...Array.from({ length: 3 }, (_, i) => `Os backups do servidor ${i + 1} são guardados por 30 dias em outro prédio.`)].join('\n');
    const chunks = await new TextSplitterChunker({ unit: 'characters', size: 120, overlap: 0 }).split(section);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0].heading).toBeUndefined();
    expect(chunks.slice(1).map((c) => c.heading)).toEqual(chunks.slice(1).map(() => 'Backups'));
  });
});
