import { contentHash, normalizeText } from './document';

describe('document text identity', () => {
  it('normalizes line endings, trailing spaces, blank runs and Unicode forms', () => {
    expect(normalizeText('  Olá\r\nmundo  \r\n\r\n\r\n\r\nfim \n')).toBe('Olá\nmundo\n\nfim');
    expect(normalizeText('ac\u0327a\u0303o')).toBe('ação'); // decomposed -> composed
  });

  it('hashes equal content equally regardless of formatting noise', () => {
    expect(contentHash(normalizeText('a\r\nb '))).toBe(contentHash(normalizeText('a\nb')));
    expect(contentHash('a')).not.toBe(contentHash('b'));
    expect(contentHash('a')).toMatch(/^[0-9a-f]{64}$/);
  });
});
