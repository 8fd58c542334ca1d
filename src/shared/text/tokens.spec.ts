import { countTokens, estimateTokens, tokenCounterFor } from './tokens';

describe('token counting', () => {
  const text = 'O horário de atendimento do suporte humano é das 09h às 18h, de segunda a sexta, exceto feriados.';

  it('counts exactly with the bundled encodings and estimates for other models', () => {
    expect(countTokens(text)).toBeGreaterThan(20);
    expect(tokenCounterFor('gpt-4o-mini').exact).toBe(true);
    expect(tokenCounterFor('gpt-4-turbo').count(text)).toBe(countTokens(text));
    const llama = tokenCounterFor('llama-3.3-70b-versatile');
    expect(llama.exact).toBe(false);
    expect(llama.count(text)).toBe(estimateTokens(text));
  });

  it('keeps the estimate within 35% of cl100k on Portuguese prose', () => {
    const long = text.repeat(20);
    const ratio = estimateTokens(long) / countTokens(long);
    expect(ratio).toBeGreaterThan(0.65);
    expect(ratio).toBeLessThan(1.35);
  });

  it('returns the same count from the cache', () => {
    expect(countTokens(text)).toBe(countTokens(text));
  });
});
