import { networkFailure } from '../../../../shared/net/network-errors';
import { ToolFailedError } from '../../domain/conversation.errors';
import { MarketQuotes, Quote } from '../../application/ports/market-quotes.port';

export interface AwesomeApiOptions {
  baseUrl: string;
  apiKey?: string;
  timeoutMs: number;
  cacheTtlSeconds: number;
  fetch?: typeof fetch;
}

/**
 * Currency quotes from AwesomeAPI's economy API (https://docs.awesomeapi.com.br/api-de-moedas), a free
 * Brazilian quotes service: `GET {base}/json/last/USD-BRL,EUR-BRL` answers
 * `{"USDBRL": {"code","codein","name","high","low","varBid","pctChange","bid","ask","timestamp","create_date"}}`
 * (numbers as strings); an unknown pair is a 404 `{"status":404,"code":"CoinNotExists","message":...}`.
 * An API key, when set, goes in the `token` query parameter. Answers are cached per pair set for
 * cacheTtlSeconds. Timeouts, 4xx, 5xx and unreadable bodies become ToolFailedError with a reason a
 * user can read; the key never appears in it.
 */
export class AwesomeApiMarketQuotes implements MarketQuotes {
  readonly source = 'AwesomeAPI';
  private readonly cache = new Map<string, { at: number; quotes: Quote[] }>();
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: AwesomeApiOptions) {
    this.fetchFn = options.fetch ?? fetch;
  }

  async quotes(pairs: string[], signal?: AbortSignal): Promise<Quote[]> {
    const wanted = [...new Set(pairs.map((p) => p.toUpperCase()))].sort();
    if (!wanted.length || wanted.some((p) => !/^[A-Z]{3}-[A-Z]{3}$/.test(p))) {
      throw new ToolFailedError('market_data', 'pairs must look like USD-BRL');
    }
    const key = wanted.join(',');
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.options.cacheTtlSeconds * 1000) return hit.quotes;

    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}/json/last/${key}`);
    if (this.options.apiKey) url.searchParams.set('token', this.options.apiKey);
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchFn(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { accept: 'application/json' } });
    } catch (e) {
      if (timeout.aborted) throw new ToolFailedError('market_data', `the quotes service did not answer within ${this.options.timeoutMs} ms`);
      if (signal?.aborted) throw e;
      const net = networkFailure(e);
      throw new ToolFailedError('market_data', `the quotes service could not be reached${net ? ` (${net.code})` : ''}`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ToolFailedError('market_data', `the quotes service answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      // an unknown pair's reason helps the user ("moeda nao encontrada USD-XYZ"); a failure's text is the service's own
      // business, and may echo the request (its URL, the key in its query): it goes to the user, the LLM and memory
      const message = res.status === 404 && isRecord(body) && typeof body.message === 'string' ? `: ${this.redacted(body.message).slice(0, 200)}` : '';
      throw new ToolFailedError('market_data', res.status === 404 ? `unknown currency pair${message}` : `the quotes service answered ${res.status}`);
    }
    const quotes = wanted.map((pair) => parseQuote(pair, isRecord(body) ? body[pair.replace('-', '')] : undefined));
    this.cache.set(key, { at: Date.now(), quotes });
    return quotes;
  }

  /** The service's text with the key and any query string taken out. */
  private redacted(text: string): string {
    const key = this.options.apiKey;
    return (key ? text.split(key).join('***') : text).replace(/\?\S*/g, '');
  }
}

function parseQuote(pair: string, raw: unknown): Quote {
  const num = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN);
  if (!isRecord(raw) || !Number.isFinite(num(raw.bid))) throw new ToolFailedError('market_data', `the quotes service sent no quote for ${pair}`);
  const ts = num(raw.timestamp);
  return {
    pair,
    name: typeof raw.name === 'string' ? raw.name : pair,
    bid: num(raw.bid),
    ask: Number.isFinite(num(raw.ask)) ? num(raw.ask) : num(raw.bid),
    high: num(raw.high),
    low: num(raw.low),
    pctChange: Number.isFinite(num(raw.pctChange)) ? num(raw.pctChange) : 0,
    at: Number.isFinite(ts) ? new Date(ts * 1000).toISOString() : typeof raw.create_date === 'string' ? raw.create_date : new Date().toISOString(),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
