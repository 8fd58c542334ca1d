import { fold } from '../../../shared/text/lexical';
import { SalesVocabulary, SalesDimension } from './sales';

export type Route =
  | { tool: 'sales_data'; rule: string; arguments: Record<string, unknown> }
  | { tool: 'market_data'; rule: string; arguments: Record<string, unknown> }
  | { tool: 'knowledge_base_search'; rule: string; arguments: Record<string, unknown> }
  | { tool: null; rule: string; arguments: Record<string, never> };

/** Currency names as people write them, to AwesomeAPI codes. */
const CURRENCIES: Array<[RegExp, string]> = [
  [/\bdolar(es)? (canadense|canadenses)\b/, 'CAD'],
  [/\bdolar(es)? australiano/, 'AUD'],
  [/\bdolar(es)?\b/, 'USD'],
  [/\beuros?\b/, 'EUR'],
  [/\blibras?( esterlinas?)?\b/, 'GBP'],
  [/\bienes?\b/, 'JPY'],
  [/\bpesos? argentinos?\b/, 'ARS'],
  [/\bfrancos? suicos?\b/, 'CHF'],
  [/\b(yuan|renminbi)\b/, 'CNY'],
  [/\bbitcoins?\b/, 'BTC'],
  [/\bethereum\b/, 'ETH'],
];
export const CURRENCY_CODES = ['USD', 'EUR', 'GBP', 'JPY', 'ARS', 'CHF', 'CNY', 'CAD', 'AUD', 'BTC', 'ETH', 'BRL'];

const SALES_WORDS = /\b(top \d+ (produtos|vendedor\w*|categorias|regioes|canais)|mais vendid\w*|vendas?|vendid[oa]s?|vendeu|venderam|vendemos|faturamento|faturou|faturad[oa]|receita|ticket medio|pedidos|unidades vendidas)\b/;
const MARKET_WORDS = /\b(cotacao|cotacoes|cambio|moedas?|quanto (esta|ta|vale|custa) o (dolar|euro)|dolar|euro|bitcoin)\b/;
const SMALLTALK = /^(oi|ola|bom dia|boa tarde|boa noite|obrigad[oa]|muito obrigad[oa]|valeu|ok|certo|beleza|tchau|ate mais)[\s!.,]*$/;

const DIMENSIONS: Array<[RegExp, SalesDimension]> = [
  [/\bprodutos?\b/, 'product'],
  [/\bcategorias?\b/, 'category'],
  [/\b(vendedor(es|as)?|vendedoras?|representantes?)\b/, 'rep'],
  [/\bregi(ao|oes)\b/, 'region'],
  [/\bcana(l|is)\b/, 'channel'],
  [/\b(mes|meses|mensal)\b/, 'month'],
  [/\b(dia|dias|diari[oa])\b/, 'day'],
];
const COUNTS: Record<string, number> = { um: 1, uma: 1, dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9, dez: 10 };

/** A greeting, a thanks or an acknowledgement ("oi", "obrigado!", "ok"): answered from the conversation, never a follow-up. */
export function isSmalltalk(message: string): boolean {
  return SMALLTALK.test(fold(message.toLowerCase()).trim());
}

/**
 * The offline agent's transparent router (Portuguese intent rules), used when the active model cannot call
 * tools: sales words -> sales_data (metric, breakdown, top N, filters and period read from the text);
 * quote words or currency codes -> market_data; greetings and thanks -> answered from the conversation;
 * anything else -> the knowledge base. `rule` names the rule that fired; it is returned to the caller.
 */
export function routeMessage(message: string, vocabulary: SalesVocabulary): Route {
  const t = fold(message.toLowerCase()).trim();
  if (isSmalltalk(message)) return { tool: null, rule: 'smalltalk', arguments: {} };
  const codes = currencyCodes(message);
  if (SALES_WORDS.test(t) && !/\bcotac/.test(t)) return { tool: 'sales_data', rule: 'sales_words', arguments: salesArguments(message, vocabulary) };
  if (MARKET_WORDS.test(t) || codes.length) {
    return { tool: 'market_data', rule: codes.length ? 'currency_words' : 'quote_words', arguments: { pairs: (codes.length ? codes : ['USD']).map((c) => `${c}-BRL`) } };
  }
  return { tool: 'knowledge_base_search', rule: 'default_knowledge_base', arguments: { query: message } };
}

/** Currency codes named in a message: by name ("dólar", "euro") or as codes ("USD", "EUR-BRL"). */
export function currencyCodes(message: string): string[] {
  const t = fold(message.toLowerCase());
  const found = new Set<string>();
  for (const [re, code] of CURRENCIES) if (re.test(t)) found.add(code);
  for (const m of message.matchAll(/\b([A-Z]{3})(?:-BRL)?\b/g)) if (CURRENCY_CODES.includes(m[1]) && m[1] !== 'BRL') found.add(m[1]);
  // "dólar canadense" also matched plain "dólar": keep the specific one
  if (found.has('CAD') || found.has('AUD')) found.delete('USD');
  return [...found].sort();
}

/** Metric, breakdown, top N, filters and period as the sales tool's arguments. */
export function salesArguments(message: string, vocabulary: SalesVocabulary): Record<string, unknown> {
  const t = fold(message.toLowerCase());
  const args: Record<string, unknown> = { period: message };
  if (/\bticket medio\b/.test(t)) args.metric = 'average_ticket';
  else if (/\b(unidades|quantidade|quantas unidades|itens vendidos|volume)\b/.test(t)) args.metric = 'quantity';
  else if (/\b(quantos pedidos|numero de pedidos|pedidos|quantas vendas|numero de vendas)\b/.test(t)) args.metric = 'orders';
  else args.metric = 'revenue';
  // "por vendedor", "top 3 produtos", "produto mais vendido", "melhores vendedores"
  const by = /\bpor\s+(\w+)/.exec(t);
  const top = /\b(?:top|os|as)\s+(\d+|um|uma|dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez)\b/.exec(t);
  for (const [re, dim] of DIMENSIONS) {
    if ((by && re.test(by[1])) || ((top || /\b(mais|menos) vendid|\bmelhores?\b|\bpiores?\b|\bque mais\b|\bqual\b/.test(t)) && re.test(t) && dim !== 'month' && dim !== 'day')) {
      args.group_by = dim;
      break;
    }
  }
  if (args.group_by) {
    if (top) args.limit = /^\d+$/.test(top[1]) ? Number(top[1]) : COUNTS[top[1]];
    else if (/\b(o|a|qual)\b[^?]*\b(mais|menos) vendid|\bqual\b/.test(t) && !by) args.limit = 1;
    if (/\bmenos vendid|\bpiores?\b/.test(t)) args.order = 'asc';
  }
  for (const key of ['region', 'channel', 'category', 'product', 'rep'] as const) {
    if (args.group_by === key) continue;
    const value = vocabulary[key].find((v) => new RegExp(`\\b${escapeRe(fold(v.toLowerCase()))}\\b`).test(t));
    if (value) args[key] = value;
  }
  return args;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
