import { verifyCitations, Passage } from './citations';
import { packContext } from './context-packing';
import { analyzeQuestion, answerEvidence, decodeEntities, selectSentences } from './extractive';
import { sentences, support } from '../../../shared/text/lexical';

const passages: Passage[] = [
  { n: 1, documentId: 'd1', chunkId: 'c1', title: 'Suporte', score: 0.9, text: 'O horário de atendimento do suporte humano é das 09h às 18h. Aos sábados não há atendimento.' },
  { n: 2, documentId: 'd2', chunkId: 'c2', title: 'Backups', score: 0.5, text: 'Backups automáticos são realizados diariamente às 02h00 com retenção de 30 dias.' },
];

describe('text support', () => {
  it('matches inflections and accents', () => {
    expect(support('escolas católicas', 'A escola católica fica ao lado.')).toBe(1);
    expect(support('backups diários', 'O suporte atende das 9h às 18h.')).toBe(0);
  });
  it('splits sentences without breaking abbreviations or decimals', () => {
    expect(sentences('O Dr. Silva chegou. A nota foi 8.5 no total! Fim').map((s) => s.text)).toEqual([
      'O Dr. Silva chegou.',
      'A nota foi 8.5 no total!',
      'Fim',
    ]);
  });
  it('keeps a numbered list item whole ("1. Instale o FortiClient.")', () => {
    expect(sentences('A VPN é obrigatória.\n1. Instale o FortiClient.\n2. Informe o servidor.').map((s) => s.text)).toEqual([
      'A VPN é obrigatória.',
      '1. Instale o FortiClient.',
      '2. Informe o servidor.',
    ]);
  });
  it('joins the lines of a hard-wrapped paragraph, not a record\'s "campo: valor" lines nor short lines', () => {
    const text = 'Livros comuns podem ser emprestados por até 14 dias e\nrenovados duas vezes pelo site. A multa é de R$ 1 por dia.\nprazo: 14 dias\nregiao: Sul\nItens\nlivros raros';
    expect(sentences(text).map((s) => s.text)).toEqual([
      'Livros comuns podem ser emprestados por até 14 dias e\nrenovados duas vezes pelo site.',
      'A multa é de R$ 1 por dia.',
      'prazo: 14 dias',
      'regiao: Sul',
      'Itens',
      'livros raros',
    ]);
    // a title before a name is no sentence end
    expect(sentences('Atende a Dra. Ana Lima. Assina o Eng. Carlos Reis.').map((s) => s.text)).toEqual(['Atende a Dra. Ana Lima.', 'Assina o Eng. Carlos Reis.']);
  });
  it('keeps initials inside names and common titles whole ("Joan B. Kroc", "Rev. John", "Av. Paulista")', () => {
    expect(sentences('O Instituto Joan B. Kroc estuda a paz. O Rev. John chegou. Fica na Av. Paulista, 900.').map((s) => s.text)).toEqual([
      'O Instituto Joan B. Kroc estuda a paz.',
      'O Rev. John chegou.',
      'Fica na Av. Paulista, 900.',
    ]);
  });
});

describe('verifyCitations', () => {
  it('keeps supported markers, drops unsupported and unknown ones, and quotes the supporting sentence', () => {
    const r = verifyCitations(
      'O suporte humano atende das 09h às 18h [1]. Os backups são diários [1]. A empresa tem 500 funcionários [2]. Ver também [7].',
      passages,
      0.3,
    );
    expect(r.cited).toBe(4);
    expect(r.dropped).toBe(3);
    expect(r.answer).toBe('O suporte humano atende das 09h às 18h [1]. Os backups são diários. A empresa tem 500 funcionários. Ver também.');
    expect(r.citations).toEqual([
      expect.objectContaining({ n: 1, chunkId: 'c1', quote: 'O horário de atendimento do suporte humano é das 09h às 18h.' }),
    ]);
  });
});

describe('packContext', () => {
  const hit = (id: string, doc: string, start: number, end: number, text = `texto ${id} `.repeat(10)) => ({ documentId: doc, chunkId: id, title: id, text, score: 1, start, end });
  it('stops at the token budget and skips chunks mostly covered by a packed one of the same document', () => {
    const packed = packContext([hit('a', 'd', 0, 100), hit('b', 'd', 30, 130), hit('c', 'e', 0, 100), hit('d', 'f', 0, 100)], 45, (t) => t.split(' ').length, (h) => h.text);
    expect(packed.map((p) => [p.chunkId, p.n])).toEqual([['a', 1], ['c', 2]]);
  });

  it('keeps a neighbour that shares only the chunk overlap with a packed chunk (its new part may be the answer)', () => {
    const packed = packContext([hit('a', 'd', 0, 100), hit('b', 'd', 85, 185), hit('c', 'e', 0, 100)], 1000, (t) => t.split(' ').length, (h) => h.text);
    expect(packed.map((p) => p.chunkId)).toEqual(['a', 'b', 'c']);
  });
});

describe('selectSentences (extractive)', () => {
  const opts = { maxSentences: 3, minSupport: 0.4 };
  const pick = (q: string, ps: Array<{ n: number; text: string; title?: string; start?: number; documentId?: string }>) => selectSentences(q, ps, opts).map((x) => x.text);

  it('picks the sentence that answers the question, with its passage', () => {
    const chosen = selectSentences('Qual é o horário de atendimento do suporte?', passages, opts);
    expect(chosen.map((c) => [c.n, c.text])).toEqual([[1, 'O horário de atendimento do suporte humano é das 09h às 18h.']]);
  });

  it('reads a passage that starts inside a section under the heading ingestion kept for its chunk', () => {
    const cut = { n: 1, start: 2426, title: 'Manual da cafeteira', text: 'Procedimento (leva cerca de 25 minutos):\n1. Retire o filtro de água do reservatório.' };
    const other = { n: 2, start: 0, title: 'FAQ', text: 'A senha de rede expira a cada 90 dias.' };
    const q = 'Quanto tempo demora a descalcificação?';
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    expect(selectSentences(q, [cut, other], base)).toEqual([]);
    expect(selectSentences(q, [{ ...cut, heading: '4. DESCALCIFICAÇÃO' }, other], base).map((x) => x.text)).toEqual(['Procedimento (leva cerca de 25 minutos):']);
  });

  it('takes "13º" for a number the documents must write, not for a verb the user conjugates', () => {
    const ferias = [{ n: 1, text: 'O pagamento das férias (salário do período + 1/3 constitucional) é feito até 2 dias antes do início do descanso.' }];
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    expect(selectSentences('Quando é pago o 13º salário?', ferias, base)).toEqual([]);
    expect(selectSentences('Quando é pago o salário das férias?', ferias, base)).toHaveLength(1);
  });

  it('of two sentences under a heading, quotes the one that covers more of the question ("PRÓXIMA REUNIÃO")', () => {
    const ata = [
      {
        n: 1,
        title: 'Ata da reunião mensal de liderança',
        text: '------\nPRÓXIMA REUNIÃO\n------\n\n9 de abril de 2026, às 9h, na sala Jequitibá.\n\nSem mais assuntos, a reunião foi encerrada às 11h15. Esta ata foi lida e aprovada.',
      },
      { n: 2, title: 'Política de Segurança', text: 'A próxima simulação de phishing será feita em abril, sem aviso prévio às equipes.' },
      { n: 3, title: 'Ata da reunião de fevereiro', text: 'A reunião de fevereiro teve 12 participantes. A pauta da reunião foi enviada antes.' },
    ];
    expect(pick('Quando é a próxima reunião de liderança?', ata)).toEqual(['9 de abril de 2026, às 9h, na sala Jequitibá.']);
  });

  it('prefers the window that leaves out fewer of the question\'s terms to a better-ranked one that misses more', () => {
    const lead = 'O colaborador pode trabalhar temporariamente de outra cidade do Brasil por até **30 dias por ano** (corridos ou somados), por exemplo para passar uma temporada com a família. É preciso:';
    const list = '1. pedir aprovação ao gestor com pelo menos 10 dias de antecedência;\n2. registrar o período no PeopleHub, em "Trabalho de outro local";';
    const ps = [
      { n: 1, text: lead, start: 400, documentId: 'd' },
      { n: 2, text: 'Viagens internacionais: solicitar com no mínimo 30 dias de antecedência.', start: 0, documentId: 'e' },
      { n: 3, text: list, start: 402 + lead.length, documentId: 'd' },
    ];
    expect(pick('Com quantos dias de antecedência peço pra trabalhar de outra cidade?', ps).join(' ')).toMatch(/10 dias de antecedência/);
  });

  it("quotes a Markdown line without its bold markers (the answer is plain text), in a sentence or a table's row", () => {
    const doc = [{ n: 1, text: 'As versões 3.x deixam de receber atualizações de segurança em **31 de janeiro de 2027**.' }];
    expect(pick('Quando as versões 3.x deixam de receber atualizações?', doc)).toEqual(['As versões 3.x deixam de receber atualizações de segurança em 31 de janeiro de 2027.']);
    const table = [{ n: 1, text: '| Plano | Preço |\n| --- | --- |\n| Profissional | **R$ 89,90** por mês |' }];
    expect(pick('Quanto custa o plano Profissional?', table).join(' ')).toMatch(/R\$ 89,90/);
    expect(pick('Quanto custa o plano Profissional?', table).join(' ')).not.toContain('**');
    // a lone asterisk (a footnote, a multiplication) stays
    expect(pick('Qual o limite do reembolso?', [{ n: 1, text: 'O limite do reembolso é R$ 500,00 por mês*.' }])).toEqual(['O limite do reembolso é R$ 500,00 por mês*.']);
  });

  it('refuses a short question for a time, a place, a person or an amount when no covering sentence holds one', () => {
    const ti = [{ n: 1, text: 'Nunca leve o notebook da empresa para assistência técnica por conta própria: a garantia é gerenciada pela TI.' }];
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    expect(selectSentences('Qual o prazo de garantia do notebook?', ti, base)).toEqual([]);
    expect(selectSentences('Quem cuida da garantia do notebook?', ti, base)).toHaveLength(1);
    // a place or a person said in everyday words still answers: only amounts and times are required to show
    for (const [q, text] of [
      ['Onde guardo os backups?', 'Os backups são guardados no cofre do financeiro.'],
      ['Onde ficam os extintores?', 'Os extintores ficam ao lado dos elevadores.'],
      ['Quem aprova o reembolso?', 'O reembolso é aprovado pelo financeiro.'],
    ]) {
      expect({ q, answer: selectSentences(q, [{ n: 1, text }], base).map((x) => x.text) }).toEqual({ q, answer: [text] });
    }
  });

  it('returns nothing when no sentence covers the question', () => {
    expect(selectSentences('Quem ganhou a Copa de 1970?', passages, opts)).toEqual([]);
  });

  it('does not ask the documents for the question words ("qual", "valor", "posso", "por quantos")', () => {
    expect(pick('Qual é o valor do auxílio de internet?', [{ n: 1, text: 'O auxílio de internet é de R$ 80 por mês.' }])).toEqual(['O auxílio de internet é de R$ 80 por mês.']);
    expect(pick('Por quantos dias os backups são guardados?', [{ n: 1, text: 'Os backups são guardados por 30 dias.' }])).toEqual(['Os backups são guardados por 30 dias.']);
    expect(answerEvidence('Por quantos dias os backups são guardados?', [{ n: 1, text: 'Os backups são guardados por 30 dias.' }])).toBe(1);
  });

  it('matches word families the stemmer splits (prestar contas / prestação de contas, vender / venda)', () => {
    const travel = [{ n: 1, text: 'As diárias são pagas antes da viagem. A prestação de contas deve ser feita em até 5 dias úteis após o retorno.' }];
    expect(pick('Qual o prazo para prestar contas de uma viagem?', travel)).toEqual(['A prestação de contas deve ser feita em até 5 dias úteis após o retorno.']);
    const leave = [{ n: 1, text: 'As férias duram 30 dias. A venda de até 10 dias de férias é permitida.' }];
    expect(pick('Posso vender parte das minhas férias?', leave)).toEqual(['A venda de até 10 dias de férias é permitida.']);
  });

  it('answers an FAQ entry from the sentence under its heading, never quoting the heading or the question line', () => {
    const faq = [
      {
        n: 1,
        text: '## Meu notebook quebrou. O que eu faço?\n\nAbra um chamado na categoria Hardware no portal e leve o equipamento à sala de TI.\n\nNotebooks com defeito são trocados em até dois dias.',
      },
    ];
    expect(pick('Meu notebook quebrou, o que eu faço?', faq)).toEqual(['Abra um chamado na categoria Hardware no portal e leve o equipamento à sala de TI.']);
  });

  it('prefers the sentence holding the kind of answer asked (an amount for "quantos")', () => {
    const hr = [{ n: 1, text: 'A licença-maternidade é um direito previsto em lei. A licença-maternidade dura 180 dias na Vértice.' }];
    expect(pick('Quantos dias de licença-maternidade?', hr)).toEqual(['A licença-maternidade dura 180 dias na Vértice.']);
  });

  it('adds no sentence from another passage to a single question', () => {
    const two = [
      { n: 1, text: 'A licença-maternidade dura 180 dias.' },
      { n: 2, text: 'A senha expira a cada 90 dias.' },
    ];
    expect(selectSentences('Quantos dias de licença-maternidade?', two, opts).map((c) => c.n)).toEqual([1]);
  });

  it('never quotes a fragment cut at the start of a passage', () => {
    const cut = [{ n: 1, start: 500, text: 'll Shuichi ever dreamed of going to space. Cowboy Bebop follows a crew of bounty hunters in 2071.' }];
    expect(pick('What is Cowboy Bebop about?', cut)).toEqual(['Cowboy Bebop follows a crew of bounty hunters in 2071.']);
    // a record line ("campo: valor") starts lowercase and is whole
    const record = [{ n: 1, start: 900, text: 'area: Jurídico; responsavel: Beatriz Lacerda; ramal: 2600.' }];
    expect(pick('Qual o ramal do jurídico?', record)).toEqual(['area: Jurídico; ramal: 2600.']);
  });

  it('reads the question type', () => {
    expect(analyzeQuestion('Quanto custa o plano?').type).toBe('amount');
    expect(analyzeQuestion('Qual o prazo para pedir férias?').type).toBe('time');
    expect(analyzeQuestion('Quem é o DPO?').type).toBe('person');
    expect(analyzeQuestion('Onde fica a sala de TI?').type).toBe('place');
    expect(analyzeQuestion('Como faço para resetar a senha?').type).toBe('instruction');
    expect(analyzeQuestion('Posso trabalhar de outra cidade?').type).toBe('yesno');
    expect(analyzeQuestion('Em que década a fábrica abriu?')).toMatchObject({ type: 'time', unit: 'year' });
    expect(analyzeQuestion('Em qual ano a fábrica abriu?')).toMatchObject({ type: 'time', unit: 'year' });
    expect(analyzeQuestion('Quando começa a reforma do terceiro andar?').terms.map((t) => t.alias ?? t.word)).toEqual(['comeca', 'reforma', '3o', 'andar']);
  });

  it('does not ask documents for the request verb or a pronoun ("Cite…", "o hiato dela")', () => {
    expect(analyzeQuestion('Cite alguns efeitos adversos?').terms.map((t) => t.word)).toEqual(['efeitos', 'adversos']);
    expect(analyzeQuestion('Quanto tempo durou o hiato dela?').terms.map((t) => t.word)).toEqual(['tempo', 'durou', 'hiato']);
    // the pronoun no longer counts as a term the answer leaves out
    const hiato = [{ n: 1, text: 'Ela anunciou um hiato em 2011. O hiato durou nove meses.' }];
    expect(pick('Quanto tempo durou o hiato dela?', hiato)).toEqual(['O hiato durou nove meses.']);
  });

  it('matches an ordinal written either way ("primeiro dia" / "1º dia", "terceiro andar" / "3º andar")', () => {
    expect(pick('Que horas tenho que chegar no primeiro dia?', [{ n: 1, text: 'Horário de chegada no primeiro dia: 9h, na recepção.' }])).toEqual(['Horário de chegada no primeiro dia: 9h, na recepção.']);
    expect(pick('Quando começa a reforma do terceiro andar?', [{ n: 1, text: 'A reforma do 3º andar começa em 6 de abril.' }])).toEqual(['A reforma do 3º andar começa em 6 de abril.']);
  });

  it('answers from a table row, with the header, the heading and the sentence that introduces the table as its context', () => {
    const text = [
      '## 4. Hospedagem',
      'A reserva de hotel respeita os limites por noite abaixo:',
      '| Cidade | Limite por noite |',
      '|---|---|',
      '| São Paulo | R$ 450,00 |',
      '| Brasília | R$ 380,00 |',
    ].join('\n');
    expect(pick('Qual o teto de hotel em São Paulo?', [{ n: 1, text }])).toEqual(['São Paulo: R$ 450,00']);
    expect(pick('Quanto posso gastar de hotel em Brasília por noite?', [{ n: 1, text }])).toEqual(['Brasília: R$ 380,00']);
  });

  it('knows a hyphenated compound by its initials ("VR" is the vale-refeição)', () => {
    const text = 'O vale-transporte é descontado em 6% do salário. O vale-refeição é de R$ 48,00 por dia útil.';
    expect(pick('qual o valor do VR por dia?', [{ n: 1, text }])).toEqual(['O vale-refeição é de R$ 48,00 por dia útil.']);
  });

  it('knows the words people ask with from the ones documents use ("peço" / "solicitações", "avô faleceu" / "luto, avós")', () => {
    const ferias = '## Férias\nO período aquisitivo é de 12 meses.\nTodas as solicitações são feitas no sistema PeopleHub, no menu "Ausências".';
    expect(pick('Em qual sistema eu peço férias?', [{ n: 1, text: ferias }])).toEqual(['Todas as solicitações são feitas no sistema PeopleHub, no menu "Ausências".']);
    const luto = 'Luto — cônjuge, pais, filhos: 5 dias consecutivos.\nLuto — avós, netos, sogros: 2 dias consecutivos.';
    expect(pick('Meu avô faleceu, quantos dias posso ficar afastado?', [{ n: 1, text: luto }])).toEqual(['Luto — avós, netos, sogros: 2 dias consecutivos.']);
    // "prédio" / "condomínio", "retido" / "retenção"
    expect(pick('quem é a síndica do prédio?', [{ n: 1, text: 'Regras do condomínio.\nSíndico: Paulo Viana, mandato até 2027.' }])).toEqual(['Síndico: Paulo Viana, mandato até 2027.']);
    expect(pick('se eu desistir, quanto fica retido?', [{ n: 1, text: 'Na desistência, há retenção de 10% do valor pago.' }])).toEqual(['Na desistência, há retenção de 10% do valor pago.']);
    // a family, not a truncated stem: "funcionários" is not "funcionamento"
    expect(pick('Quantos funcionários a empresa tem?', [{ n: 1, text: 'O horário de funcionamento da empresa é das 8h às 18h.' }])).toEqual([]);
  });

  it('matches a compound written with or without its hyphen ("wifi" / "Wi-Fi")', () => {
    expect(pick('Qual a rede wifi dos visitantes?', [{ n: 1, text: 'O Wi-Fi dos visitantes é a rede Vertice-Visitantes.' }])).toEqual(['O Wi-Fi dos visitantes é a rede Vertice-Visitantes.']);
  });

  it('wants money for "quanto custa" and a duration for "quanto tempo", not just any number', () => {
    expect(analyzeQuestion('Quanto custa o plano odontológico?').unit).toBe('money');
    expect(analyzeQuestion('Em quanto tempo cai o reembolso?').unit).toBe('duration');
    expect(analyzeQuestion('Em quantas parcelas a PLR é paga?').unit).toBeUndefined();
    expect(analyzeQuestion('Quanto é o auxílio internet?').unit).toBe('money');
    const plano = 'A adesão ao plano odontológico deve ser feita em até 30 dias. O plano odontológico custa R$ 18,90 por mês.';
    expect(pick('Quanto custa o plano odontológico?', [{ n: 1, text: plano }])).toEqual(['O plano odontológico custa R$ 18,90 por mês.']);
    const descal = 'A descalcificação deve ser feita a cada 500 xícaras. O ciclo de descalcificação leva cerca de 25 minutos.';
    expect(pick('Quanto tempo leva a descalcificação?', [{ n: 1, text: descal }])).toEqual(['O ciclo de descalcificação leva cerca de 25 minutos.']);
  });

  it('refuses a short question about a name no passage writes ("o erro E7"), not a long one with a name spelled otherwise', () => {
    const erros = 'E1: falta de água no reservatório. E2: bandeja de borra cheia. E4: superaquecimento; desligue por 30 minutos.';
    expect(pick('O que significa o erro E7 na cafeteira?', [{ n: 1, title: 'Manual da cafeteira', text: erros }])).toEqual([]);
    expect(pick('O que significa o erro E4 na cafeteira?', [{ n: 1, title: 'Manual da cafeteira', text: erros }])).toEqual(['E4: superaquecimento; desligue por 30 minutos.']);
  });

  it('answers "qual sistema" with the sentence that names it, not the introduction that covers every word', () => {
    const text = [
      'Esta política orienta como solicitar, realizar e prestar contas de viagens a trabalho.',
      'Toda viagem deve ser solicitada no módulo Rota do PeopleHub e aprovada pelo gestor.',
    ].join('\n');
    expect(analyzeQuestion('Em qual sistema eu solicito uma viagem a trabalho?').slot).toBe('sistema');
    expect(pick('Em qual sistema eu solicito uma viagem a trabalho?', [{ n: 1, text }])).toEqual(['Toda viagem deve ser solicitada no módulo Rota do PeopleHub e aprovada pelo gestor.']);
  });

  it('never quotes an aside wholly in parentheses', () => {
    expect(pick('Qual o modelo da máquina de café da copa?', [{ n: 1, text: '(cópia adaptada pelo Administrativo para as copas do 3º andar)\nA máquina de café da copa é uma Cremma BX-500.' }])).toEqual([
      'A máquina de café da copa é uma Cremma BX-500.',
    ]);
  });
  it('reads chat spellings ("oq eu faço", "pq", "vc") as the words they stand for', () => {
    expect(analyzeQuestion('cafeteira deu erro E4, oq eu faço?').type).toBe('instruction');
    expect(analyzeQuestion('pq a VPN caiu?').type).toBe('reason');
    expect(analyzeQuestion('vc sabe qto custa o estacionamento?').unit).toBe('money');
    // typed in capitals they are names: a 1 TB disk, the VC (vale-cultura)
    expect(analyzeQuestion('Quanto custa o HD de 1 TB?').terms.map((t) => t.word)).toContain('tb');
    expect(analyzeQuestion('Qual o valor do VC?').terms.map((t) => t.word)).toContain('vc');
  });

  it('reads "quanto tempo demora / dura" as asking for a duration, which the document may state without the verb', () => {
    const q = analyzeQuestion('Quanto tempo demora a descalcificação?');
    expect(q.terms.find((t) => t.word === 'demora')?.kind).toBe('time');
    const text = '## Descalcificação\nUse o descalcificante líquido.\nO procedimento leva cerca de 25 minutos.\nA descalcificação deve ser feita a cada 500 xícaras.';
    expect(pick('Quanto tempo demora a descalcificação?', [{ n: 1, text }])).toEqual(['O procedimento leva cerca de 25 minutos.']);
    expect(pick('De quanto em quanto tempo preciso fazer a descalcificação?', [{ n: 1, text }])).toEqual(['A descalcificação deve ser feita a cada 500 xícaras.']);
  });

  it('answers "qual o e-mail / ramal" with a sentence that writes one, and "quantos X" with a count of X', () => {
    const text = 'E-mails suspeitos devem ser reportados pelo botão Reportar Phishing. Incidentes de segurança vão para seguranca@empresa.com.br.';
    expect(pick('qual o email pra reportar incidente de segurança?', [{ n: 1, text }])).toEqual(['Incidentes de segurança vão para seguranca@empresa.com.br.']);
    const vagas = 'A área de Engenharia tem reuniões às 10h. A área de Engenharia abriu 8 vagas no trimestre.';
    expect(analyzeQuestion('Quantas vagas a área de Engenharia abriu?').countRoots).toContain('vaga');
    expect(pick('Quantas vagas a área de Engenharia abriu?', [{ n: 1, text: vagas }])).toEqual(['A área de Engenharia abriu 8 vagas no trimestre.']);
  });

  it('quotes the line under a heading the question names, not the next sentence that only repeats a word of it', () => {
    const ata = '------\nPRÓXIMA REUNIÃO\n------\n9 de abril de 2026, às 9h, na sala Jequitibá.\nSem mais assuntos, a reunião foi encerrada às 11h15.';
    expect(pick('Quando é a próxima reunião?', [{ n: 1, title: 'Ata da reunião de liderança', text: ata }])).toEqual(['9 de abril de 2026, às 9h, na sala Jequitibá.']);
  });
  it('refuses a short question for a price, a duration or a count when no passage holds one, and takes the one that does', () => {
    const plr = 'A PLR é paga em duas parcelas, em agosto e em fevereiro. As regras estão no acordo de PLR.';
    expect(pick('Qual o valor da PLR?', [{ n: 1, text: plr }])).toEqual([]);
    expect(analyzeQuestion('Em quantas vezes posso dividir as férias?').countRoots).toBeUndefined();
    const odonto = 'A adesão ao plano odontológico é feita em até 30 dias. Plano odontológico: custo de R$ 18,90 por mês.';
    expect(pick('Quanto custa o plano odontológico?', [{ n: 1, text: odonto }])).toEqual(['Plano odontológico: custo de R$ 18,90 por mês.']);
  });
  it('wants a year for "em que ano" and reads "US $ 100 milhões" as money', () => {
    expect(analyzeQuestion('Em que ano a biblioteca chegou a 10 mil livros?').unit).toBe('year');
    const lib = [
      { n: 1, text: 'A biblioteca chegou a 10 mil livros com as doações de 14 famílias.' },
      { n: 2, text: 'Em 1879, a biblioteca chegou a dez mil livros.' },
    ];
    expect(pick('Em que ano a biblioteca chegou a 10 mil livros?', lib)).toEqual(['Em 1879, a biblioteca chegou a dez mil livros.']);
    const deal = 'O contrato entre a universidade e a Under Armour inclui uniformes e equipamentos. Este contrato, avaliado em quase US $ 100 milhões, é o maior da liga.';
    // the first sentence names the parties, the next holds the amount: both are the answer
    expect(pick('Qual é o valor do contrato com a Under Armour?', [{ n: 1, text: deal }])).toContain('Este contrato, avaliado em quase US $ 100 milhões, é o maior da liga.');
    expect(pick('Qual é o valor do contrato?', [{ n: 1, text: deal }])).toEqual(['Este contrato, avaliado em quase US $ 100 milhões, é o maior da liga.']);
  });
  it('reads a passage that continues another retrieved one of the same document under that one\'s last heading', () => {
    const first = '## Como solicito a instalação de um software?\n\nVerifique antes se o programa está no Centro de Software.';
    const second = 'A solicitação passa pelo gestor. O prazo de atendimento é de até 3 dias úteis depois da aprovação.';
    const contact = 'area: TI; atende: notebooks, acessos e instalação de software; ramal: 2100.';
    const passages = [
      { n: 1, title: 'FAQ de TI', start: 0, text: first },
      { n: 2, title: 'Contatos', start: 0, text: contact },
      { n: 3, title: 'FAQ de TI', start: first.length + 2, text: second },
    ];
    expect(pick('Pedi a instalação de um software, em quanto tempo a TI atende?', passages)).toEqual(['O prazo de atendimento é de até 3 dias úteis depois da aprovação.']);
    // another document with the same title does not lend its heading
    const others = passages.map((x) => ({ ...x, documentId: x.n === 3 ? 'd2' : 'd1' }));
    expect(pick('Pedi a instalação de um software, em quanto tempo a TI atende?', others)).not.toContain('O prazo de atendimento é de até 3 dias úteis depois da aprovação.');
    // the same passage alone (its document's earlier part not retrieved) has no heading to stand under
    expect(pick('Pedi a instalação de um software, em quanto tempo a TI atende?', [passages[1], { ...passages[2], n: 3, start: 500 }])).not.toContain(
      'O prazo de atendimento é de até 3 dias úteis depois da aprovação.',
    );
  });
  it('does not ask the documents to write "da empresa": the company is where the question is asked', () => {
    expect(analyzeQuestion('Quem é o DPO da empresa?').terms.map((t) => t.word)).toEqual(['dpo']);
    expect(analyzeQuestion('Qual empresa fabrica a cafeteira?').terms.map((t) => t.word)).toContain('empresa');
    // when the company is all the question names, it stays
    expect(analyzeQuestion('Qual o endereço da empresa?').terms.map((t) => t.word)).toContain('empresa');
    const record = 'area: Jurídico; responsavel: Beatriz Lacerda; cargo: Advogada e Encarregada de Dados (DPO); ramal: 2600.';
    expect(pick('Quem é o DPO da empresa?', [{ n: 1, text: record }])).toEqual(['area: Jurídico; responsavel: Beatriz Lacerda; cargo: Advogada e Encarregada de Dados (DPO).']);
  });

  it('does not ask a short question\'s verb of the documents: they say the act otherwise ("criada" / "a descoberta")', () => {
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    const ps = [
      { n: 1, text: 'Em 1939, Rene Dubos relatou a descoberta da tirotricina, um composto de gramicidina e tirocidina.' },
      { n: 2, text: 'Criar uma parceria com a Topshop foi anunciado em outubro de 2014.' },
    ];
    expect(selectSentences('Quando foi criada a tirotricina?', ps, base).map((x) => x.text)).toEqual([ps[0].text]);
    // a missing noun is still what the question is about: "Quando foi criada a penicilina?" is not answered
    expect(selectSentences('Quando foi criada a penicilina?', ps, base)).toEqual([]);
  });

  it('answers "quantos gramas / litros / km" only with that measure, full or abbreviated, however long the question', () => {
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    const manual = [{ n: 1, text: 'A cafeteira prepara uma xícara grande de café longo com 120 ml de água por xícara.' }];
    expect(selectSentences('Quantos gramas de café a cafeteira usa por xícara grande?', manual, base)).toEqual([]);
    expect(selectSentences('Quantos mililitros de água a cafeteira usa por xícara grande?', manual, base).map((x) => x.text)).toEqual([manual[0].text]);
    const dosed = [{ n: 1, text: 'Cada xícara de café usa 9 g de pó moído na hora pela cafeteira.' }];
    expect(selectSentences('Quantos gramas de café a cafeteira usa por xícara?', dosed, base).map((x) => x.text)).toEqual([dosed[0].text]);
    expect(analyzeQuestion('Quantos quilômetros tem a estrada?').measure?.test('a estrada tem 42 km de extensao')).toBe(true);
    expect(analyzeQuestion('Quantos quilômetros tem a estrada?').measure?.test('a estrada tem 42 kmh')).toBe(false);
    // a count of something else is not a measure
    expect(analyzeQuestion('Quantos funcionários a empresa tem?').measure).toBeUndefined();
  });

  it('answers "Como configuro / como eu faço…" only with a step or a means, not a sentence that mentions the thing', () => {
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    const ps = [{ n: 1, text: 'Sem o MFA no celular corporativo você não consegue acessar o e-mail corporativo fora do escritório.' }];
    expect(selectSentences('Como configuro o e-mail corporativo no celular?', ps, base)).toEqual([]);
    const steps = [{ n: 1, text: 'Para configurar o e-mail corporativo no celular, instale o Outlook e entre com o usuário de rede.' }];
    expect(selectSentences('Como configuro o e-mail corporativo no celular?', steps, base).map((x) => x.text)).toEqual([steps[0].text]);
    // "como" inside a question is not a request for steps
    expect(analyzeQuestion('Qual revista classificou Beyoncé como a mais poderosa musicista?').howDoI).toBeUndefined();
    expect(analyzeQuestion('A empresa empresta cadeira? Como peço?').howDoI).toBe(true);
    // where it is done is how: a passive sentence naming the portal, the option or the address answers
    const where = [{ n: 1, text: 'A senha da VPN é redefinida no portal de acesso (acesso.empresa.com.br), na opção "Esqueci minha senha".' }];
    expect(selectSentences('Como redefino a senha da VPN?', where, base).map((x) => x.text)).toEqual([where[0].text]);
  });

  it('refuses a short question whose window leaves out whose thing is asked ("a senha do Wi-Fi da diretoria")', () => {
    const base = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    const wifi = [{ n: 1, title: 'FAQ de TI', text: '## Qual é o Wi-Fi para visitantes?\nVisitantes usam a rede Vertice-Visitantes. A senha do Wi-Fi muda toda segunda-feira e fica com a recepção.' }];
    expect(selectSentences('Qual a senha do Wi-Fi da diretoria?', wifi, base)).toEqual([]);
    expect(selectSentences('Qual a senha do Wi-Fi dos visitantes?', wifi, base).map((x) => x.text)).toEqual(['A senha do Wi-Fi muda toda segunda-feira e fica com a recepção.']);
    // the noun asked about is often the attribute the answer gives without naming: only its complements must be there
    const support = [{ n: 1, text: 'Assistência técnica autorizada da cafeteira: 0800 772 4410, de segunda a sexta.' }];
    expect(selectSentences('Qual o telefone da assistência técnica da cafeteira?', support, base).map((x) => x.text)).toEqual([support[0].text]);
    expect(analyzeQuestion('Quem é o gerente do escritório do Rio de Janeiro?').head).toEqual(['escritorio', 'janeiro']);
    // "qual empresa", without an article, names the kind of answer: the documents need not write it
    expect(analyzeQuestion('Qual empresa Ray Kroc possui?').head).toBeUndefined();
    // what a "como faço para…" question acts on
    const travel = [{ n: 1, text: 'Para pedir adiantamento de viagem, abra o pedido no Rota: o valor cai na conta-salário 2 dias antes da partida.' }];
    expect(selectSentences('Como faço para pedir aumento de salário?', travel, base)).toEqual([]);
    expect(selectSentences('Como faço para pedir adiantamento de viagem?', travel, base).map((x) => x.text)).toEqual([travel[0].text]);
    // a long question names many things; one of them left out is a detail, not the subject
    expect(analyzeQuestion('Qual é o nome da linha de moda da parceria entre a Beyoncé e a Topshop em 2016?').terms.filter((t) => !t.kind).length).toBeGreaterThan(4);
  });

  it('answers "qual X" with a sentence naming something the question does not say when none writes the noun X', () => {
    const art = [{ n: 1, text: 'O interior da capela foi pintado de azul e branco. O interior da capela foi pintado por Luigi Gregori.' }];
    expect(pick('Qual indivíduo pintou o interior da capela?', art)).toEqual(['O interior da capela foi pintado por Luigi Gregori.']);
  });

  it('reads HTML character references as the characters they stand for, and quotes the passage as written', () => {
    // "&#39;" is an apostrophe, not the number 39, and "&quot;" is no word the question asks for
    expect(analyzeQuestion('Quando o Destiny&#39;s Child gravou &quot;Say My Name&quot;?').terms.map((t) => t.word)).toEqual(['destiny', 's', 'child', 'gravou', 'say', 'my', 'name']);
    const band = [{ n: 1, text: 'O Destiny&#39;s Child gravou &quot;Say My Name&quot; com a Columbia. O Destiny&#39;s Child gravou &quot;Say My Name&quot; em março de 1999.' }];
    expect(pick("Quando o Destiny's Child gravou Say My Name?", band)).toEqual(['O Destiny&#39;s Child gravou &quot;Say My Name&quot; em março de 1999.']);
    expect(decodeEntities('Tom &amp; Jerry &#x41; &lt;b&gt; &naoexiste;')).toBe('Tom & Jerry A <b> &naoexiste;');
  });

  it('answers "quando" with a date or a period rather than a sentence holding only a bare number', () => {
    const band = [
      { n: 1, text: 'A banda da universidade se apresenta com 300 músicos.' },
      { n: 2, text: 'A banda da universidade se apresenta aos sábados.' },
    ];
    expect(pick('Quando a banda da universidade se apresenta?', band)).toEqual(['A banda da universidade se apresenta aos sábados.']);
    // a period answers too ("em até 10 dias úteis")
    const hr = [{ n: 1, text: 'O reembolso é feito pelo financeiro. O reembolso é pago em até 10 dias úteis após a aprovação.' }];
    expect(pick('Quando o reembolso é pago?', hr)).toEqual(['O reembolso é pago em até 10 dias úteis após a aprovação.']);
  });

  it('quotes two sentences of one passage that each hold the kind of answer asked and score alike, each with its citation', () => {
    const one = [
      {
        n: 1,
        text: 'O museu da cidade foi fundado em 1902 por imigrantes italianos. A entrada é gratuita às terças. O museu da cidade foi reaberto em 1950 depois de um incêndio.',
      },
    ];
    // "fundado" / "reaberto": the words cannot tell which year is meant
    expect(selectSentences('Em que ano o museu da cidade abriu?', one, opts).map((c) => [c.n, c.text])).toEqual([
      [1, 'O museu da cidade foi fundado em 1902 por imigrantes italianos.'],
      [1, 'O museu da cidade foi reaberto em 1950 depois de um incêndio.'],
    ]);
    // the same two sentences in two passages: no sentence of another passage is added to a question asking one thing
    const two = [
      { n: 1, text: 'O museu da cidade foi fundado em 1902 por imigrantes italianos.' },
      { n: 2, text: 'O museu da cidade foi reaberto em 1950 depois de um incêndio.' },
    ];
    expect(selectSentences('Em que ano o museu da cidade abriu?', two, opts)).toHaveLength(1);
    // one sentence names the act asked: it alone answers
    expect(pick('Em que ano o museu da cidade foi fundado?', two)).toEqual(['O museu da cidade foi fundado em 1902 por imigrantes italianos.']);
    // a sentence without the kind asked, or one that covers much less of the question, is not added
    const other = [
      { n: 1, text: 'O museu da cidade foi fundado em 1902 por imigrantes italianos.' },
      { n: 2, text: 'O museu da cidade é mantido pela prefeitura.' },
      { n: 3, text: 'A biblioteca foi aberta em 1950.' },
    ];
    expect(pick('Em que ano o museu da cidade abriu?', other)).toEqual(['O museu da cidade foi fundado em 1902 por imigrantes italianos.']);
    // nor when the two would be long: the answer stays short
    const street = `, ${'numa rua arborizada do centro histórico '.repeat(5)}.`;
    const long = [{ n: 1, text: one[0].text.replace('italianos.', `italianos${street}`).replace('incêndio.', `incêndio${street}`) }];
    expect(selectSentences('Em que ano o museu da cidade abriu?', long, opts)).toHaveLength(1);
    // an instruction is not a factoid: one answer
    const how = [
      { n: 1, text: 'Para reservar a sala, abra um pedido no portal.' },
      { n: 2, text: 'Para reservar a sala, fale com a recepção.' },
    ];
    expect(selectSentences('Como reservar a sala?', how, opts)).toHaveLength(1);
  });
  it('quotes beside a sentence lacking the kind asked the sentence of its passage that holds it, each cited', () => {
    const one = [
      {
        n: 1,
        text: 'O coral da cidade foi fundado há muito tempo por um grupo de amigos do bairro. Os ensaios acontecem na igreja matriz. Entre os amigos estava o jovem Joaquim Ribeiro, depois regente do coral da cidade.',
      },
    ];
    // "quem": the first sentence names no one, the third does
    expect(selectSentences('Quem fundou o coral da cidade?', one, opts).map((c) => [c.n, c.text])).toEqual([
      [1, 'O coral da cidade foi fundado há muito tempo por um grupo de amigos do bairro.'],
      [1, 'Entre os amigos estava o jovem Joaquim Ribeiro, depois regente do coral da cidade.'],
    ]);
    // from another passage it is not added (one thing is asked)
    const two = [
      { n: 1, text: 'O coral da cidade foi fundado há muito tempo por um grupo de amigos do bairro. Os ensaios acontecem na igreja matriz.' },
      { n: 2, text: 'Entre os amigos estava o jovem Joaquim Ribeiro, depois regente do coral da cidade.' },
    ];
    expect(pick('Quem fundou o coral da cidade?', two)).toEqual(['O coral da cidade foi fundado há muito tempo por um grupo de amigos do bairro.']);
  });

  it('answers "qual X" (a kind the words do not tell) with the two sentences of a passage that score alike', () => {
    const text = (third: string) => `O coral da cidade recebeu o prêmio de melhor conjunto em seu primeiro concurso nacional. Os ensaios acontecem na igreja matriz. ${third}`;
    const close = [{ n: 1, text: text('O coral da cidade recebeu o prêmio do júri popular em seu primeiro concurso estadual.') }];
    expect(pick('Qual prêmio o coral da cidade recebeu em seu primeiro concurso nacional?', close)).toEqual([
      'O coral da cidade recebeu o prêmio de melhor conjunto em seu primeiro concurso nacional.',
      'O coral da cidade recebeu o prêmio do júri popular em seu primeiro concurso estadual.',
    ]);
    // a runner-up far behind is not quoted
    const far = [{ n: 1, text: text('O coral canta músicas populares.') }];
    expect(pick('Qual prêmio o coral da cidade recebeu em seu primeiro concurso nacional?', far)).toEqual([
      'O coral da cidade recebeu o prêmio de melhor conjunto em seu primeiro concurso nacional.',
    ]);
  });

  it('reads "percentagem" as an amount and "com qual frequência" as how often', () => {
    expect(analyzeQuestion('Qual a percentagem de alunos cristãos?').type).toBe('amount');
    expect(analyzeQuestion('Com qual frequência a revista é publicada?').unit).toBe('frequency');
  });
  describe('with the default support (0.3, +0.2 per named thing under 4)', () => {
    const defaults = { maxSentences: 3, minSupport: 0.3, shortQuestionStep: 0.2 };
    const answer = (q: string, ps: Array<{ n: number; text: string; title?: string; start?: number; documentId?: string }>) => selectSentences(q, ps, defaults).map((x) => x.text);
    const reimbursement = {
      n: 1,
      title: 'Política de reembolso de despesas',
      text: '# Política de reembolso de despesas\n\nAs despesas de viagem são reembolsadas em até 15 dias úteis após a aprovação do gestor.\nO limite diário de alimentação é de R$ 120,00 por colaborador.\n\n## Como pedir\n\nO pedido de reembolso é feito no portal financeiro, anexando as notas fiscais digitalizadas.\nDespesas sem nota fiscal não são reembolsadas.',
    };
    const holidays = { n: 2, text: 'As férias não podem começar nos dois dias que antecedem um feriado ou o descanso semanal remunerado. O salário das férias é pago até dois dias antes do início do descanso.' };

    it('asked "quando / onde <verbo> o X de Y", does not answer with a sentence that leaves out X or Y', () => {
      expect(analyzeQuestion('Quando começa o plantão de fim de semana?').head).toEqual(['plantao', 'fim', 'semana']);
      expect(analyzeQuestion('Onde fica o time comercial?').head).toEqual(['time', 'comercial']);
      // read within the question's sentence: what follows its "?" is not part of the thing asked of
      expect(analyzeQuestion(`Onde fica o formulário de reembolso? ${'a'.repeat(40)}`).head).toEqual(['formulario', 'reembolso']);
      expect(analyzeQuestion('Onde fica o time comercial? Preciso entregar um documento.').head).toEqual(['time', 'comercial']);
      // "começar" and "semanal" are all the holiday policy shares with the question
      expect(answer('Quando começa o plantão de fim de semana?', [holidays])).toEqual([]);
      const duty = { n: 1, text: 'O plantão de fim de semana começa no sábado às 8h e termina na segunda às 8h.' };
      expect(answer('Quando começa o plantão de fim de semana?', [duty, holidays])).toEqual([duty.text]);
    });

    it('asked how to do something, quotes of two lines the one that gives a step or where it is done', () => {
      expect(answer('Como peço reembolso de despesas?', [reimbursement])).toEqual(['O pedido de reembolso é feito no portal financeiro, anexando as notas fiscais digitalizadas.']);
    });

    it('reads "aconteceu", "surgiu" as verbs the documents may say otherwise, and "museu" as a thing named', () => {
      const leak = [{ n: 1, text: 'O vazamento de água no prédio foi descoberto em março de 2011. A reforma durou dois meses.' }];
      expect(answer('Quando o vazamento aconteceu?', leak)).toEqual(['O vazamento de água no prédio foi descoberto em março de 2011.']);
      expect(answer('Quando o vazamento surgiu?', leak)).toEqual(['O vazamento de água no prédio foi descoberto em março de 2011.']);
      expect(answer('Quando o museu fechou?', [{ n: 1, text: 'A biblioteca da cidade fechou em março de 2011.' }])).toEqual([]);
    });

    it("ranks a document's lines without preferring the one that only names its subject (title, subject line)", () => {
      // the title names the town: "Prefeitura de Lagoa Funda." holds every word of the question but the one asked
      const town = { n: 1, start: 0, documentId: 'g', title: 'Guia do cidadão — Prefeitura de Lagoa Funda', text: 'Prefeitura de Lagoa Funda.\nReclamações vão para a Ouvidoria, que responde em 15 dias.\nOuvidora-geral: Helena Prates Moura.' };
      expect(answer('quem é a ouvidora de lagoa funda', [town])).toEqual(['Ouvidora-geral: Helena Prates Moura.']);
      // a short line under the title names the product of the sheet: it holds for the passage that continues it
      const sheet = { n: 1, start: 0, documentId: 'f', title: 'CONFEITARIA ALVORADA — FICHA TÉCNICA', text: 'CONFEITARIA ALVORADA — FICHA TÉCNICA\nProduto: Bolo de fubá cremoso\nRendimento: 2 formas de 24 cm' };
      const storage = { n: 2, start: 120, documentId: 'f', title: 'CONFEITARIA ALVORADA — FICHA TÉCNICA', text: 'ARMAZENAMENTO\nFora da geladeira, consuma em até 2 dias. Validade na geladeira: 5 dias.' };
      const kept = answer('quantos dias dura o bolo de fubá na geladeira', [sheet, storage]);
      expect(kept).toContain('Validade na geladeira: 5 dias.');
      expect(kept).not.toContain('Produto: Bolo de fubá cremoso');
    });

    it('answers from a plain-text table lined up by spaces, a row with its header as context', () => {
      const rules = {
        n: 1,
        title: 'Regras de empréstimo — Biblioteca Central',
        text: 'PRAZOS\nMaterial            Prazo       Renovações    Multa por dia\nLivros comuns       14 dias     2             R$ 1,00\nPeriódicos          7 dias      1             R$ 2,00\nDVDs                3 dias      nenhuma       R$ 5,00\n\nO empréstimo é feito no balcão com a carteirinha.',
      };
      expect(answer('qual a multa por dia de atraso de um DVD?', [rules])).toEqual(['DVDs: 3 dias; nenhuma; R$ 5,00']);
      expect(answer('por quantos dias posso pegar um periódico', [rules])).toEqual(['Periódicos: 7 dias; 1; R$ 2,00']);
    });

    it("quotes of a record's line the field naming the row, the fields the question names and the kind of answer asked", () => {
      const row = { n: 1, text: 'servico: Vacina V10; especie: cão; porte: qualquer; preco: R$ 95,00; observacao: Reforço anual.' };
      expect(answer('quanto custa a vacina v10?', [row])).toEqual(['servico: Vacina V10; preco: R$ 95,00.']);
      // a question of no known kind (yes / no, "qual…") gets the whole line
      expect(answer('a vacina v10 tem reforço?', [row])).toEqual([row.text]);
    });

    it('reads "qual X" as answered by a name after X, not by a figure after a verb ("a máquina custou R$ 12.400")', () => {
      const copa = { n: 1, title: 'Copa do escritório', text: 'A máquina de café da copa é uma Saeco Xelsis. A máquina custou R$ 12.400 e tem manutenção mensal pela empresa Cafés do Sul.' };
      expect(answer('Qual é a máquina de café da copa?', [copa])).toContain('A máquina de café da copa é uma Saeco Xelsis.');
    });

    it('answers "qual a temperatura / a distância" with the measure in its unit, and refuses when no passage gives one', () => {
      const sheet = { n: 1, title: 'Ficha técnica — Broa de milho', text: 'Asse direto do freezer, acrescentando 5 minutos ao tempo de forno.\nAsse em forno pré-aquecido a 190 °C por 40 minutos.' };
      expect(answer('qual a temperatura do forno pra broa de milho', [sheet])).toEqual(['Asse em forno pré-aquecido a 190 °C por 40 minutos.']);
      const office = { n: 1, text: 'O escritório de Campinas fica na Rua Maria Monteiro, 830. A filial de São Paulo fica na Av. Paulista, 900.' };
      expect(answer('Qual a distância de Campinas até São Paulo?', [office])).toEqual([]);
    });

    it('answers "qual o e-mail / telefone" with a window that writes one over a better-ranked one that does not', () => {
      const title = 'Política de Segurança da Informação';
      const policy = { n: 1, title, text: 'E-mails suspeitos que não foram abertos devem ser reportados pelo botão Reportar Phishing do Outlook; nesse caso não é preciso abrir incidente.' };
      const channels = { n: 4, title, text: '## 6. Incidentes de segurança\nTodo incidente, confirmado ou suspeito, deve ser comunicado em até 2 horas a partir do momento em que o colaborador tomar conhecimento, por um destes canais: e-mail: seguranca@empresa.com.br; ramal 2200; ou pessoalmente na sala da equipe de segurança, no 4º andar.' };
      const other = (n: number) => ({ n, title: 'FAQ de TI', text: 'A senha de rede expira a cada 90 dias.' });
      expect(answer('qual o email pra reportar incidente de seguranca?', [policy, other(2), other(3), channels])).toEqual(['Todo incidente, confirmado ou suspeito, deve ser comunicado em até 2 horas a partir do momento em que o colaborador tomar conhecimento, por um destes canais: e-mail: seguranca@empresa.com.br; ramal 2200; ou pessoalmente na sala da equipe de segurança, no 4º andar.']);
    });

    it('answers "até que horas / qual o horário" with a time of day, not a date or a weekday alone', () => {
      expect(analyzeQuestion('até que horas funciona o chat de suporte').unit).toBe('clock');
      expect(analyzeQuestion('Qual o horário da piscina?').unit).toBe('clock');
      expect(analyzeQuestion('Quando abre a piscina?').unit).toBeUndefined();
      const notes = { n: 1, text: 'O suporte à versão 2 termina em 31 de março de 2027. Dúvidas: fale com o suporte pelo chat do aplicativo.' };
      const faq = { n: 2, text: 'O chat funciona de segunda a sexta, das 8h às 20h.' };
      expect(answer('até que horas funciona o chat de suporte', [notes, faq])).toEqual(['O chat funciona de segunda a sexta, das 8h às 20h.']);
    });

    it('refuses a question two of whose named things no passage writes: the documents speak of its setting, not of it', () => {
      const town = { n: 1, title: 'Guia do cidadão', text: 'A Prefeitura de Lagoa Funda atende pela Central 156, ligação gratuita, das 8h às 18h.' };
      expect(answer('a prefeitura de lagoa funda faz castração gratuita de gatos?', [town])).toEqual([]);
      // one thing named otherwise ("telefone" / "Central 156") is how the user says it
      expect(answer('qual o telefone gratuito da prefeitura de lagoa funda?', [town])).toEqual([town.text]);
    });

    it('answers with a lower window holding every thing the question names when the best one leaves one out', () => {
      // the holiday pay "é pago" but is no reimbursement; the policy says the reimbursement's act otherwise
      expect(answer('Em quantos dias o reembolso é pago?', [holidays, reimbursement])).toEqual(['As despesas de viagem são reembolsadas em até 15 dias úteis após a aprovação do gestor.']);
      expect(answer('Em quantos dias o reembolso é pago?', [holidays])).toEqual([]);
    });
  });
});
