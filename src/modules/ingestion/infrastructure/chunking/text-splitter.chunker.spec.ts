import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import * as tokens from '../../../../shared/text/tokens';
import { chunkTokens, countTokens, LONG_WORD_CHARS, TextSplitterChunker } from './text-splitter.chunker';

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

  it('ends a chunk cut at a sentence end with its period: the next one starts at its first word, not at ". "', async () => {
    const prose = Array.from({ length: 30 }, (_, i) => `O item ${i} trata de férias, folgas e reembolsos; vale para todos? Sim! Vale.`).join(' ');
    for (const [unit, size, overlap] of [['characters', 120, 0], ['characters', 160, 60], ['tokens', 30, 0], ['tokens', 40, 8]] as const) {
      const chunks = await new TextSplitterChunker({ unit, size, overlap }).split(prose);
      expect(chunks.length).toBeGreaterThan(5);
      chunks.forEach((c, i) => {
        expect(c.position).toBe(i);
        expect(prose.slice(c.start, c.end)).toBe(c.text);
        expect(c.text).toMatch(/^[^\s.?!;:,…]/u);
      });
      // a chunk that ends where the next begins ends where its sentence or clause does
      for (let i = 0; i + 1 < chunks.length; i++) if (chunks[i].end <= chunks[i + 1].start) expect(chunks[i].text).toMatch(/[.?!;:,]$/);
      // and every non-blank character of the text is in some chunk
      const covered = new Set<number>();
      for (const c of chunks) for (let k = c.start; k < c.end; k++) covered.add(k);
      expect([...prose].flatMap((ch, k) => (/\s/.test(ch) || covered.has(k) ? [] : [k]))).toEqual([]);
    }
    // a period after a blank (". . .", "fim .") is not lost between two chunks
    const spaced = Array.from({ length: 40 }, (_, i) => `Linha ${i} termina assim .`).join(' ');
    const chunks = await new TextSplitterChunker({ unit: 'characters', size: 60, overlap: 0 }).split(spaced);
    const covered = new Set<number>();
    for (const c of chunks) {
      expect(spaced.slice(c.start, c.end)).toBe(c.text);
      for (let k = c.start; k < c.end; k++) covered.add(k);
    }
    expect([...spaced].flatMap((ch, k) => (/\s/.test(ch) || covered.has(k) ? [] : [k]))).toEqual([]);
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

  it('counts the tokens of each distinct piece of a text once, and cuts it as the splitter does with a count per call', async () => {
    // paragraphs of about 150 tokens under a 256-token size: the splitter measured each one three times
    const paragraphs = Array.from({ length: 8 }, (_, p) => Array.from({ length: 12 }, (_, i) => `Parágrafo ${p}, frase ${i}: o cliente pede reembolso.`).join(' '));
    const source = paragraphs.join('\n\n');
    const separators = ['\n\n', '\n', '. ', '? ', '! ', '; ', ': ', ', ', ' ', ''];
    const plain = await new RecursiveCharacterTextSplitter({ chunkSize: 256, chunkOverlap: 32, separators, keepSeparator: true, lengthFunction: chunkTokens }).splitText(source);
    const counts = new Map<string, number>();
    const spy = jest.spyOn(tokens, 'chunkTokens').mockImplementation((t: string) => {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      return Promise.resolve(countTokens(t));
    });
    try {
      const chunks = await new TextSplitterChunker({ unit: 'tokens', size: 256, overlap: 32 }).split(source);
      expect(chunks.map((c) => c.text)).toEqual(plain.map((p) => p.trim()).filter(Boolean));
      expect(chunks.length).toBeGreaterThan(1);
      expect(counts.size).toBeGreaterThanOrEqual(paragraphs.length);
      expect([...counts.values()].filter((n) => n > 1)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
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

describe('TextSplitterChunker on a long unbroken word', () => {
  it('cuts a word longer than LONG_WORD_CHARS in slices of the chunk size, offsets pointing back into the source', async () => {
    // cut character by character with a token count per step, one word of 150,000 characters held the event loop 27 s
    const word = 'z'.repeat(150_000);
    const source = `inicio do texto ${word} fim do texto`;
    const chunks = await new TextSplitterChunker({ unit: 'tokens', size: 256, overlap: 32 }).split(source);
    chunks.forEach((c) => expect(source.slice(c.start, c.end)).toBe(c.text));
    const slices = chunks.filter((c) => c.text.startsWith('z'));
    expect(slices.map((c) => c.text).join('')).toBe(word);
    expect(slices.map((c) => c.text.length)).toEqual([...Array(585).fill(256), 150_000 - 585 * 256]);
    expect(chunks[0].text).toBe('inicio do texto');
    expect(chunks.at(-1)!.text).toBe('fim do texto');
  });

  it('splits words up to LONG_WORD_CHARS as before', async () => {
    const word = 'x'.repeat(LONG_WORD_CHARS);
    const source = `antes ${word} depois`;
    const chunks = await new TextSplitterChunker({ unit: 'characters', size: 200, overlap: 0 }).split(source);
    // the library's own cut of the whole text (slices of the chunk size would be 200, 200, 100)
    const separators = ['\n\n', '\n', '. ', '? ', '! ', '; ', ': ', ', ', ' ', ''];
    const plain = await new RecursiveCharacterTextSplitter({ chunkSize: 200, chunkOverlap: 0, separators, keepSeparator: true }).splitText(source);
    expect(chunks.map((c) => c.text)).toEqual(plain.map((p) => p.trim()).filter(Boolean));
    expect(chunks.map((c) => c.text.length)).not.toEqual([5, 200, 200, 100, 6]);
  });
});
