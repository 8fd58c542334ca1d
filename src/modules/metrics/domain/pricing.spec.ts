import { Pricing, sumCosts } from './pricing';

describe('Pricing', () => {
  const pricing = new Pricing({ 'openai:gpt-4o-mini': { input: 0.15, output: 0.6 }, 'extractive:*': { input: 0, output: 0 } });

  it('prices a call by provider:model per 1M tokens', () => {
    // 1,000 prompt tokens at $0.15/M + 500 completion tokens at $0.60/M
    expect(pricing.cost('openai:gpt-4o-mini', 1000, 500)).toBeCloseTo(0.00045, 10);
  });

  it('falls back to the provider-wide price, and the offline answerer costs 0', () => {
    expect(pricing.cost('extractive:extractive-v1', 900, 40)).toBe(0);
  });

  it('reports an unknown model as null, never as 0', () => {
    expect(pricing.cost('openai:some-new-model', 10, 10)).toBeNull();
    expect(sumCosts([0.1, null, 0.2])).toBeNull();
    expect(sumCosts([0.1, 0.2])).toBeCloseTo(0.3, 10);
  });
});
