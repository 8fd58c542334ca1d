import { verifyCitations, Passage } from './citations';
import { packContext } from './context-packing';
import { selectSentences } from './extractive';
import { sentences, support } from './text-support';

const passages: Passage[] = [
  { n: 1, documentId: 'd1', chunkId: 'c1', title: 'Suporte', score: 0.9, text: 'O horário de atendimento do suporte humano é das 09h às 18h. Aos sábados não há atendimento.' },
  { n: 2, documentId: 'd2', chunkId: 'c2', title: 'Backups', score: 0.5, text: 'Backups automáticos são realizados diariamente às 02h00 com retenção de 30 dias.' },
];

describe('text support', () => {
  it('matches inflections and accents', () => {
    expect(support('escolas católicas', 'A escola católica fica ao lado.')).toBe(1);
    expect(support('backups diários', 'O suporte atende das 9h às 18h.')).toBe(0);
  });
  it('splits sentences without breaking abbreviations or decimals', () => {
    expect(sentences('O Dr. Silva chegou. A nota foi 8.5 no total! Fim').map((s) => s.text)).toEqual([
      'O Dr. Silva chegou.',
      'A nota foi 8.5 no total!',
      'Fim',
    ]);
  });
});

describe('verifyCitations', () => {
  it('keeps supported markers, drops unsupported and unknown ones, and quotes the supporting sentence', () => {
    const r = verifyCitations(
      'O suporte humano atende das 09h às 18h [1]. Os backups são diários [1]. A empresa tem 500 funcionários [2]. Ver também [7].',
      passages,
      0.3,
    );
    expect(r.cited).toBe(4);
    expect(r.dropped).toBe(3);
    expect(r.answer).toBe('O suporte humano atende das 09h às 18h [1]. Os backups são diários. A empresa tem 500 funcionários. Ver também.');
    expect(r.citations).toEqual([
      expect.objectContaining({ n: 1, chunkId: 'c1', quote: 'O horário de atendimento do suporte humano é das 09h às 18h.' }),
    ]);
  });
});

describe('packContext', () => {
  const hit = (id: string, doc: string, start: number, end: number, text = `texto ${id} `.repeat(10)) => ({ documentId: doc, chunkId: id, title: id, text, score: 1, start, end });
  it('stops at the token budget and skips overlapping chunks of the same document', () => {
    const packed = packContext([hit('a', 'd', 0, 100), hit('b', 'd', 50, 150), hit('c', 'e', 0, 100), hit('d', 'f', 0, 100)], 45, (t) => t.split(' ').length, (h) => h.text);
    expect(packed.map((p) => [p.chunkId, p.n])).toEqual([['a', 1], ['c', 2]]);
  });
});

describe('selectSentences (extractive)', () => {
  it('picks the sentences that answer the question, in reading order, with their passage', () => {
    const chosen = selectSentences('Qual é o horário de atendimento do suporte?', passages, { maxSentences: 2, minSupport: 0.3 });
    expect(chosen.map((s) => [s.n, s.text])).toEqual([[1, 'O horário de atendimento do suporte humano é das 09h às 18h.']]);
  });
  it('returns nothing when no sentence covers the question', () => {
    expect(selectSentences('Quem ganhou a Copa de 1970?', passages, { maxSentences: 3, minSupport: 0.3 })).toEqual([]);
  });
});
