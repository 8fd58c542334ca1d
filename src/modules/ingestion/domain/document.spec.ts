import { mulberry32 } from '../../../shared/random';
import { clipped, contentHash, MAX_TITLE_CHARS, normalizeWithOffsets, sourceRange } from './document';

const normalizeText = (text: string): string => normalizeWithOffsets(text).text;

/** The regex pipeline content hashes were defined with: normalizeWithOffsets must produce exactly this text. */
const reference = (text: string): string =>
  text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .split('\u0000')
    .join('')
    .trim();

/** Seeded random text over the characters normalization cares about. */
function randomText(seed: number, length: number): string {
  const rnd = mulberry32(seed);
  const alphabet = [
    'a', 'b', 'ç', 'é', 'c\u0327', 'e\u0301', 'a\u0303', '\u0301', ' ', ' ', '\t', '\u00a0', '\v', '\f', '\n', '\n', '\r', '\r\n',
    '\u0000', '\u2028', '\u2029', '\uFEFF', '😀', '\ud800', 'x', '\u1100', '\u1161', '\u11a8', '\u0344', 'Å',
  ];
  let out = '';
  while (out.length < length) out += alphabet[Math.floor(rnd() * alphabet.length)];
  return out;
}

describe('document text identity', () => {
  it('normalizes line endings, trailing spaces, blank runs and Unicode forms', () => {
    expect(normalizeText('  Olá\r\nmundo  \r\n\r\n\r\n\r\nfim \n')).toBe('Olá\nmundo\n\nfim');
    expect(normalizeText('ac\u0327a\u0303o')).toBe('ação'); // decomposed -> composed
  });

  it('produces exactly the text of the reference pipeline (content hashes depend on it)', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const text = randomText(seed, 1 + (seed % 60));
      expect(normalizeText(text)).toBe(reference(text));
    }
    const hangul = '\u1100\u1161\u11a8 \u1100\u1161'; // conjoining jamo compose into syllables
    expect(normalizeText(hangul)).toBe(reference(hangul));
  });

  it('keeps exact offsets around decomposed Korean (conjoining jamo) and long inputs', () => {
    const source = '\u1100\u1161\u11a8\u1100\u1161 resumo\r\n\r\n\r\nPolítica de fe\u0301rias.';
    const n = normalizeWithOffsets(source);
    expect(n.text).toBe(reference(source));
    const i = n.text.indexOf('Política');
    expect(source.slice(n.sourceStart[i], n.sourceEnd[i + 7])).toBe('Política');
    expect(source.slice(n.sourceStart[0], n.sourceEnd[0])).toBe('\u1100\u1161\u11a8');
    const long = 'Parágrafo com espaço no fim.   \r\n'.repeat(20_000) + 'ac\u0327a\u0303o';
    const m = normalizeWithOffsets(long);
    expect(m.text).toBe(reference(long));
    const last = m.text.length - 4;
    expect(long.slice(m.sourceStart[last], m.sourceEnd[m.text.length - 1])).toBe('ac\u0327a\u0303o');
  });

  it('maps every normalized character back to where it came from in the submitted text', () => {
    const source = '\n\n  Título\r\n\r\n\r\n\r\nPrimeiro parágrafo   \r\nsegue aqui.\n\n\n\nSegundo: ac\u0327a\u0303o fim.  ';
    const n = normalizeWithOffsets(source);
    expect(n.text).toBe('Título\n\nPrimeiro parágrafo\nsegue aqui.\n\nSegundo: ação fim.');
    const word = (w: string) => {
      const i = n.text.indexOf(w);
      const r = sourceRange(n, i, i + w.length);
      return source.slice(r.start, r.end);
    };
    expect(word('Título')).toBe('Título');
    expect(word('segue aqui.')).toBe('segue aqui.');
    expect(word('Segundo')).toBe('Segundo');
    expect(word('ação')).toBe('ac\u0327a\u0303o'); // the decomposed original
    expect(word('Primeiro parágrafo\nsegue')).toBe('Primeiro parágrafo   \r\nsegue');
    for (let seed = 1; seed <= 500; seed++) {
      const text = randomText(seed, 40);
      const m = normalizeWithOffsets(text);
      for (let i = 0; i < m.text.length; i++) {
        expect(m.sourceStart[i]).toBeLessThan(m.sourceEnd[i]);
        if (i > 0) expect(m.sourceStart[i]).toBeGreaterThanOrEqual(m.sourceStart[i - 1]); // (a surrogate pair shares its range)
        // a kept character is its source (LF may stand for CR, CRLF; a composed letter for its cluster)
        const from = text.slice(m.sourceStart[i], m.sourceEnd[i]);
        if (m.text[i] === '\n') expect(from).toMatch(/^[\r\n]/); // (a stray combining mark may ride on it)
        else expect(from.normalize('NFC')).toContain(m.text[i]);
      }
    }
  });

  it('hashes equal content equally regardless of formatting noise', () => {
    expect(contentHash(normalizeText('a\r\nb '))).toBe(contentHash(normalizeText('a\nb')));
    expect(contentHash('a')).not.toBe(contentHash('b'));
    expect(contentHash('a')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('clipped (titles and source ids taken from files)', () => {
  it('cuts to the limit, never inside a surrogate pair, and keeps shorter strings whole', () => {
    expect(clipped('Política de férias', MAX_TITLE_CHARS)).toBe('Política de férias');
    expect(clipped('a'.repeat(600), MAX_TITLE_CHARS)).toBe('a'.repeat(500));
    expect(clipped(`${'a'.repeat(499)}😀 fim`, MAX_TITLE_CHARS)).toBe('a'.repeat(499));
    expect(clipped(`${'a'.repeat(497)} 😀`, MAX_TITLE_CHARS)).toBe(`${'a'.repeat(497)} 😀`);
    expect(clipped(`${'a'.repeat(498)} 😀`, MAX_TITLE_CHARS)).toBe('a'.repeat(498));
  });
});
