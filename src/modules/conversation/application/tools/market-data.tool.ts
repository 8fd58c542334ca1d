import { Inject, Injectable } from '@nestjs/common';
import { formatBrl } from '../../domain/money';
import { ToolFailedError } from '../../domain/conversation.errors';
import { MARKET_QUOTES, MarketQuotes } from '../ports/market-quotes.port';
import { Tool, ToolContext, ToolOutput } from '../ports/tool.port';

/** market_data: currency quotes from the configured external API (MARKET_API_URL). */
@Injectable()
export class MarketDataTool implements Tool {
  readonly definition = {
    name: 'market_data',
    description: 'Cotações atuais de moedas e criptomoedas em reais (ex.: USD-BRL, EUR-BRL, BTC-BRL).',
    parameters: {
      type: 'object',
      properties: { pairs: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{3}-[A-Z]{3}$' }, minItems: 1, maxItems: 5 } },
      required: ['pairs'],
      additionalProperties: false,
    },
  };

  constructor(@Inject(MARKET_QUOTES) private readonly market: MarketQuotes) {}

  async run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput> {
    const pairs = args.pairs;
    if (!Array.isArray(pairs) || pairs.length === 0 || pairs.length > 5 || pairs.some((p) => typeof p !== 'string')) {
      throw new ToolFailedError('market_data', 'pairs must be a list of 1 to 5 currency pairs such as USD-BRL');
    }
    const quotes = await this.market.quotes(pairs as string[], ctx.signal);
    const money = (pair: string, v: number) => (pair.endsWith('-BRL') ? formatBrl(v) : v.toLocaleString('pt-BR', { maximumFractionDigits: 4 }));
    const lines = quotes.map((q) => {
      const change = `${q.pctChange >= 0 ? '+' : ''}${q.pctChange.toLocaleString('pt-BR', { maximumFractionDigits: 2 })}%`;
      const at = new Date(q.at);
      const when = Number.isNaN(at.getTime()) ? q.at : at.toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo' });
      return `${q.name} (${q.pair}): compra ${money(q.pair, q.bid)}, venda ${money(q.pair, q.ask)}, variação ${change} (cotação de ${when}, fonte: ${this.market.source}).`;
    });
    return { content: JSON.stringify(quotes), reply: lines.join('\n') };
  }
}
