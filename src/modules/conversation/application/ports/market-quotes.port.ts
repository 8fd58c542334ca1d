export interface Quote {
  /** e.g. USD-BRL */
  pair: string;
  name: string;
  bid: number;
  ask: number;
  high: number;
  low: number;
  pctChange: number;
  /** When the quote was taken (ISO). */
  at: string;
}

/** An external market data API. Failures are MarketDataError (timeout, 4xx, 5xx, unreadable). */
export interface MarketQuotes {
  readonly source: string;
  quotes(pairs: string[], signal?: AbortSignal): Promise<Quote[]>;
}

export const MARKET_QUOTES = Symbol('MARKET_QUOTES');
