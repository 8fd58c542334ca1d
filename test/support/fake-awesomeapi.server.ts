import { FakeHttpServer } from './fake-http.server';

/**
 * A local stand-in for AwesomeAPI's currency API (https://docs.awesomeapi.com.br/api-de-moedas), speaking its
 * wire format: `GET /json/last/USD-BRL,EUR-BRL` -> `{"USDBRL": {code, codein, name, high, low, varBid, pctChange,
 * bid, ask, timestamp, create_date}, ...}` with numbers as strings; an unknown pair -> 404
 * `{"status":404,"code":"CoinNotExists","message":"moeda nao encontrada USD-XYZ"}`. Faults (timeouts, 500s)
 * come from FakeHttpServer's queue.
 */
export class FakeAwesomeApiServer {
  readonly http = new FakeHttpServer('awesomeapi');
  /** bid per pair; ask is bid + 0.0005, as the real API's spread is small. */
  readonly bids: Record<string, number> = { 'USD-BRL': 5.3412, 'EUR-BRL': 6.1875, 'GBP-BRL': 7.0251, 'BTC-BRL': 512345.5 };
  private readonly names: Record<string, string> = {
    'USD-BRL': 'Dólar Americano/Real Brasileiro',
    'EUR-BRL': 'Euro/Real Brasileiro',
    'GBP-BRL': 'Libra Esterlina/Real Brasileiro',
    'BTC-BRL': 'Bitcoin/Real Brasileiro',
  };

  constructor() {
    this.http.route('GET /json/last/*', ({ req, res }) => {
      const pairs = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice('/json/last/'.length)).split(',');
      const unknown = pairs.find((p) => !(p in this.bids));
      if (unknown) return this.http.sendJson(res, 404, { status: 404, code: 'CoinNotExists', message: `moeda nao encontrada ${unknown}` });
      const body: Record<string, unknown> = {};
      for (const pair of pairs) {
        const [code, codein] = pair.split('-');
        const bid = this.bids[pair];
        body[`${code}${codein}`] = {
          code,
          codein,
          name: this.names[pair],
          high: (bid * 1.01).toFixed(4),
          low: (bid * 0.99).toFixed(4),
          varBid: '0.0123',
          pctChange: '0.23',
          bid: bid.toFixed(4),
          ask: (bid + 0.0005).toFixed(4),
          timestamp: '1764604799',
          create_date: '2025-12-01 12:59:59',
        };
      }
      this.http.sendJson(res, 200, body);
    });
  }

  start(): Promise<string> {
    return this.http.start();
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
