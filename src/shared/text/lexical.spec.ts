import { sameFamily, sameWord } from './lexical';

describe('word families the stemmer splits', () => {
  it('joins a word with its inflections and derivations', () => {
    expect(sameFamily('vender', 'venda')).toBe(true);
    expect(sameFamily('vendeu', 'vendidas')).toBe(true);
    expect(sameFamily('reembolso', 'reembolsar')).toBe(true);
    expect(sameFamily('casar', 'casamento')).toBe(true);
    expect(sameFamily('atende', 'atendimento')).toBe(true);
    expect(sameFamily('prestar', 'prestacao')).toBe(true);
  });

  it('keeps apart words that share only a short prefix and go on as other words', () => {
    expect(sameFamily('comeca', 'comercial')).toBe(false);
    expect(sameFamily('contas', 'contestar')).toBe(false);
    expect(sameFamily('pago', 'pagamento')).toBe(false);
  });

  it('matches inflections of one word, not words that only begin alike', () => {
    expect(sameWord('pedi', 'pedir')).toBe(true);
    expect(sameWord('avo', 'avos')).toBe(true);
    expect(sameWord('empresa', 'empregado')).toBe(false);
  });
});
