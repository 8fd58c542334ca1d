import { sameFamily, sameWord, sentences } from './lexical';

describe('word families the stemmer splits', () => {
  it('joins a word with its inflections and derivations', () => {
    expect(sameFamily('vender', 'venda')).toBe(true);
    expect(sameFamily('vendeu', 'vendidas')).toBe(true);
    expect(sameFamily('reembolso', 'reembolsar')).toBe(true);
    expect(sameFamily('casar', 'casamento')).toBe(true);
    expect(sameFamily('atende', 'atendimento')).toBe(true);
    expect(sameFamily('prestar', 'prestacao')).toBe(true);
    expect(sameFamily('vendas', 'vendedora')).toBe(true);
  });

  it('keeps apart words that share only a short prefix and go on as other words', () => {
    expect(sameFamily('comeca', 'comercial')).toBe(false);
    expect(sameFamily('contas', 'contestar')).toBe(false);
    expect(sameFamily('sala', 'salario')).toBe(false);
    expect(sameFamily('horas', 'horario')).toBe(false);
  });

  it('matches inflections of one word, not words that only begin alike', () => {
    expect(sameWord('pedi', 'pedir')).toBe(true);
    expect(sameWord('avo', 'avos')).toBe(true);
    expect(sameWord('empresa', 'empregado')).toBe(false);
  });
});

describe('sentences', () => {
  it('keeps a list item\'s number with its line, and ends a sentence at a number elsewhere', () => {
    expect(sentences('Passos:\n1. Instale o cliente.\n2. Conecte.').map((x) => x.text)).toEqual(['Passos:', '1. Instale o cliente.', '2. Conecte.']);
    expect(sentences('O valor é 12. Depois muda.').map((x) => x.text)).toEqual(['O valor é 12.', 'Depois muda.']);
    expect(sentences('Quantos dias? 30. O pedido segue.').map((x) => x.text)).toEqual(['Quantos dias?', '30.', 'O pedido segue.']);
  });
});
