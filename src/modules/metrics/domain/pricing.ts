/** USD per 1M tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * Prices by `provider:model`, with `provider:*` as a provider-wide default. `cost` is null for a model
 * with no price: an unknown cost is reported as unknown, never as 0.
 */
export class Pricing {
  constructor(private readonly table: Record<string, ModelPrice>) {}

  priceOf(modelId: string): ModelPrice | undefined {
    if (this.table[modelId]) return this.table[modelId];
    const provider = modelId.split(':')[0];
    return this.table[`${provider}:*`];
  }

  /** USD for one call, rounded to 1e-8 (the column's scale); null when the model has no price. */
  cost(modelId: string, promptTokens: number, completionTokens: number): number | null {
    const price = this.priceOf(modelId);
    if (!price) return null;
    const usd = (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
    return Math.round(usd * 1e8) / 1e8;
  }
}

/** Sum of costs where any unknown makes the total unknown. */
export function sumCosts(costs: Array<number | null>): number | null {
  let total = 0;
  for (const c of costs) {
    if (c === null) return null;
    total += c;
  }
  return Math.round(total * 1e8) / 1e8;
}
