import { rewriteFollowUp } from './follow-up';
import { currencyCodes, routeMessage } from './intent-router';
import { formatBrl } from './money';
import { parsePeriod } from './periods';
import { salesQueryFrom, SalesVocabulary } from './sales';

const now = new Date('2026-04-15T12:00:00Z');
const vocabulary: SalesVocabulary = {
  product: ['Notebook Pro 14', 'Mouse sem fio'],
  category: ['Informática', 'Acessórios'],
  rep: ['Ana Souza', 'Bruno Lima'],
  region: ['Norte', 'Nordeste', 'Centro-Oeste', 'Sudeste', 'Sul'],
  channel: ['Loja física', 'E-commerce'],
};

describe('rule-based follow-up rewrite', () => {
  it('leaves a standalone question alone', () => {
    expect(rewriteFollowUp('Qual é o prazo de reembolso de viagens?', { query: 'Quantos dias de férias?' }, now)).toEqual({
      query: 'Qual é o prazo de reembolso de viagens?',
      rule: 'standalone',
    });
  });

  it('"e no mês anterior?" shifts the previous turn\'s period', () => {
    const previous = { query: 'Quais foram as vendas do mês passado?', period: parsePeriod('mês passado', now) };
    const r = rewriteFollowUp('e no mês anterior?', previous, now);
    expect(r).toEqual({ query: 'Quais foram as vendas em fevereiro de 2026?', rule: 'period_replaced' });
  });

  it('appends a modifier to the previous question', () => {
    expect(rewriteFollowUp('e por região?', { query: 'Quais foram as vendas do mês passado?' }, now).query).toBe('Quais foram as vendas do mês passado por região?');
  });

  it('"e quanto custa?" carries the previous subject', () => {
    const r = rewriteFollowUp('e quanto custa?', { query: 'Qual é o modelo da máquina de café da copa?' }, now);
    expect(r.rule).toBe('subject_carried');
    expect(r.query).toBe('Quanto custa a máquina de café da copa?');
  });

  it('asks the follow-up about the previous question\'s topic, whatever its lead ("Qual o ...")', () => {
    const r = (m: string, q: string) => rewriteFollowUp(m, { query: q }, now).query;
    expect(r('e o prazo para pedir?', 'Qual o valor máximo por refeição no reembolso?')).toBe('Qual o prazo para pedir o reembolso?');
    expect(r('e quanto custa?', 'Qual o valor do auxílio home office?')).toBe('Quanto custa o auxílio home office?');
    expect(r('e o telefone?', 'Qual o horário de atendimento do suporte?')).toBe('Qual o telefone de atendimento do suporte?');
    expect(r('e quem aprova?', 'Qual o prazo de aprovação do reembolso?')).toBe('Quem aprova o reembolso?');
    expect(r('e aos sábados?', 'Qual o horário de atendimento do suporte?')).toBe('Qual o horário de atendimento do suporte aos sábados?');
    // no attribute named: the whole subject is the topic
    expect(r('e quanto custa?', 'Qual é a máquina de café da copa?')).toBe('Quanto custa a máquina de café da copa?');
    expect(r('e quantos dias?', 'Quais são as férias dos estagiários?')).toBe('Quantos dias das férias dos estagiários?');
    // a character that folds to several ("…" typed by phones for "...") does not shift where the topic is cut
    expect(r('e o prazo para pedir?', 'Qual o valor… máximo por refeição no reembolso?')).toBe('Qual o prazo para pedir o reembolso?');
  });

  it('a rewrite is a standalone question: rewriting from it again does not pile up', () => {
    let previous = 'Qual o valor máximo por refeição no reembolso?';
    for (const m of ['e o prazo para pedir?', 'e para viagens?', 'e o valor?']) previous = rewriteFollowUp(m, { query: previous }, now).query;
    expect(previous).toBe('Qual o valor do reembolso para viagens?');
  });

  it('greetings, thanks and acknowledgements are smalltalk, not follow-ups', () => {
    for (const m of ['obrigado!', 'Obrigada', 'ok', 'oi', 'valeu!']) expect(rewriteFollowUp(m, { query: 'Qual o horário de atendimento do suporte?' }, now)).toEqual({ query: m, rule: 'standalone' });
  });

  it('an elliptic question ("e ...", a pronoun) is asked about the conversation subject; a question of its own stands alone', () => {
    const r = (m: string, q: string) => rewriteFollowUp(m, { query: q }, now);
    // probe D4, session 17: these were left standalone and answered from another document
    expect(r('e em quantos dias é pago?', 'Como peço reembolso de despesas?')).toMatchObject({ query: 'Em quantos dias é pago o reembolso de despesas?', rule: 'subject_carried' });
    expect(r('e qual o limite de alimentação?', 'Como peço reembolso de despesas?').query).toBe('Qual o limite de alimentação do reembolso de despesas?');
    expect(r('e quem aprova?', 'Qual o limite de alimentação do reembolso de despesas?').query).toBe('Quem aprova o reembolso de despesas?');
    expect(r('e com quantos dias de antecedência peço?', 'Quantos dias de férias posso vender?').query).toBe('Com quantos dias de antecedência peço as férias?');
    expect(r('quanto tempo demora isso?', 'Como peço reembolso de despesas?').query).toBe('Quanto tempo demora o reembolso de despesas?');
    expect(r('e como incluo um dependente nele?', 'Como funciona o plano de saúde?').query).toBe('Como incluo um dependente no plano de saúde?');
    expect(r('mas e se for viagem internacional', 'Como peço reembolso de despesas?').query).toBe('Como peço reembolso de despesas se for viagem internacional?');
    // the next follow-up is asked about the subject the last rewrite carried, not about "dias"
    const paid = r('e em quantos dias é pago?', 'Como peço reembolso de despesas?');
    expect(paid.subject?.noun).toBe('reembolso de despesas');
    expect(rewriteFollowUp('e qual o limite de alimentação?', { query: paid.query, subject: paid.subject }, now).query).toBe('Qual o limite de alimentação do reembolso de despesas?');
    // it names the subject again, or asks without an elliptic marker: as it is
    expect(r('e qual o prazo do reembolso de viagens?', 'Como peço reembolso de despesas?').rule).toBe('standalone');
    expect(r('Quantos dias de férias eu tenho por ano?', 'Como peço reembolso de despesas?').rule).toBe('standalone');
    expect(r('quem faz a folha de pagamento', 'Qual a máquina de café da copa?').rule).toBe('standalone');
  });

  it('with no previous turn there is nothing to carry', () => {
    expect(rewriteFollowUp('e quanto custa?', undefined, now).rule).toBe('standalone');
  });
});

describe('offline intent router', () => {
  it('routes sales questions with their breakdown, top N, filters and period', () => {
    expect(routeMessage('Quais foram as vendas do mês passado?', vocabulary)).toMatchObject({ tool: 'sales_data', rule: 'sales_words', arguments: { metric: 'revenue' } });
    expect(routeMessage('Top 3 produtos em março', vocabulary)).toMatchObject({ tool: 'sales_data', arguments: { group_by: 'product', limit: 3 } });
    expect(routeMessage('vendas da região Sul por vendedor', vocabulary)).toMatchObject({ tool: 'sales_data', arguments: { group_by: 'rep', region: 'Sul' } });
    expect(routeMessage('Qual produto mais vendeu no 1º trimestre?', vocabulary).arguments).toMatchObject({ group_by: 'product', limit: 1 });
  });

  it('routes quotes by words and codes, and everything else to the knowledge base', () => {
    expect(routeMessage('Qual a cotação do dólar hoje?', vocabulary)).toMatchObject({ tool: 'market_data', arguments: { pairs: ['USD-BRL'] } });
    expect(currencyCodes('quanto está o EUR e a libra?')).toEqual(['EUR', 'GBP']);
    expect(routeMessage('Quantos dias de férias eu tenho?', vocabulary)).toMatchObject({ tool: 'knowledge_base_search', rule: 'default_knowledge_base' });
    expect(routeMessage('obrigado!', vocabulary)).toMatchObject({ tool: null, rule: 'smalltalk' });
  });
});

describe('sales tool arguments', () => {
  it('validates into a whitelisted query', () => {
    const q = salesQueryFrom({ metric: 'revenue', group_by: 'product', period: 'março de 2026', limit: 3, region: 'sul' }, vocabulary, now, 50);
    expect(q).toMatchObject({ metric: 'revenue', groupBy: 'product', limit: 3, filters: { region: 'Sul' }, period: { from: '2026-03-01', to: '2026-04-01' } });
  });

  it.each([
    [{ period: 'mês passado', metric: 'DROP TABLE' }, /metric must be one of/],
    [{ period: 'quando der' }, /could not read the period/],
    [{ period: 'mês passado', region: 'Marte' }, /no região named "Marte"/],
    [{ period: 'mês passado', sql: 'SELECT 1' }, /unknown argument/],
    [{ period: 'mês passado', limit: -2 }, /limit must be a positive integer/],
  ])('refuses %j', (args, message) => {
    expect(() => salesQueryFrom(args, vocabulary, now, 50)).toThrow(message);
  });

  it('formats BRL as a Brazilian reads it', () => {
    expect(formatBrl(1234.56)).toBe('R$ 1.234,56');
  });
});
