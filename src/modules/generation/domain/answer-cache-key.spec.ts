import { canonicalJson, cosine, normalizeQuestion, questionTerms, sameTerms } from './answer-cache-key';

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

  describe('content terms a semantic hit must share', () => {
    const same = (a: string, b: string) => sameTerms(questionTerms(a), questionTerms(b));

    // the probe's pairs (session 14): cosine 0.90-1.00 with hashing:v1:384, each asking for another fact
    it.each([
      ['Qual é o valor máximo de reembolso de hospedagem por noite para viagens a trabalho de gerentes na região Sudeste do Brasil?', 'Qual é o valor máximo de reembolso de hospedagem por noite para viagens a trabalho de diretores na região Sudeste do Brasil?'],
      ['Quantos dias de férias tem direito o colaborador com contrato CLT que trabalha há 5 anos na empresa matriz de São Paulo?', 'Quantos dias de férias tem direito o colaborador com contrato CLT que trabalha há 10 anos na empresa matriz de São Paulo?'],
      ['O auxílio home office de R$ 150 é pago junto com o salário de janeiro ou de fevereiro para os novos contratados?', 'O auxílio home office de R$ 300 é pago junto com o salário de janeiro ou de fevereiro para os novos contratados?'],
      ['Qual o prazo de entrega dos comprovantes de despesas de viagem nacional para o departamento financeiro da empresa?', 'Qual o prazo de entrega dos comprovantes de despesas de viagem internacional para o departamento financeiro da empresa?'],
      ['Posso trabalhar de casa às sextas-feiras?', 'Não posso trabalhar de casa às sextas-feiras?'],
      ['Qual o valor do auxílio home office?', 'Qual o valor do auxílio home office em 2027?'],
      ['Quem aprova as despesas acima de mil reais?', 'Quem aprova as despesas abaixo de mil reais?'],
      ['Quando são feitos os backups?', 'Onde são feitos os backups?'],
      ['Qual foi o faturamento de janeiro?', 'Qual será o faturamento de janeiro?'],
      ['Quantos dias de férias tenho por ano?', 'Quantos dias de feriado tenho por ano?'],
      ['Qual o ramal 12345?', 'Qual o ramal 12346?'],
    ])('keeps apart %j and %j', (a, b) => {
      expect(same(a, b)).toBe(false);
    });

    it.each([
      ['Qual é o horário de atendimento do suporte?', 'Qual o horário de atendimento do suporte?'],
      ['Como faço para pedir reembolso no Jira?', 'Como eu faço pra pedir reembolso no Jira?'],
      ['Qual o valor máximo da hospedagem por noite de um gerente?', 'Qual é o valor máximo de hospedagem por noite dos gerentes?'],
      ['Como troco minha senha da VPN?', 'Como trocar a senha da VPN?'],
      ['Quantos dias de férias por ano?', 'Férias: quantos dias por ano?'],
    ])('joins %j and %j (order, filler, inflection, punctuation)', (a, b) => {
      expect(same(a, b)).toBe(true);
    });

    it('folds accents and case, and keeps numbers as written', () => {
      expect(questionTerms('Qual É o PRAZO de 5 dias úteis?')).toEqual(['5', 'dias', 'prazo', 'qual', 'uteis']);
    });
  });
});
