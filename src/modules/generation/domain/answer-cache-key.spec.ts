import { canonicalJson, cosine, normalizeQuestion } from './answer-cache-key';

describe('answer cache key', () => {
  it('normalizes Unicode form, case and whitespace, and nothing else', () => {
    const decomposed = 'Qual é o PRAZO\u0020de  devolução?'.normalize('NFD');
    expect(normalizeQuestion(`  ${decomposed}\n`)).toBe('qual é o prazo de devolução?');
    expect(normalizeQuestion('Qual é o prazo?')).not.toBe(normalizeQuestion('Qual o prazo?'));
  });

  it('gives filters one form whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [1, 2] }, b: 1 }));
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('cosine of normalized vectors, -1 for different dimensions', () => {
    expect(cosine([1, 0], [1, 0])).toBe(1);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 0], [1, 0, 0])).toBe(-1);
  });
});
