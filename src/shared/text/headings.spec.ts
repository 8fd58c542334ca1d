import { headingsAt, lineKind } from './headings';

describe('lineKind', () => {
  it('tells headings, FAQ questions, asides and text apart', () => {
    expect(lineKind('## Férias', false)).toBe('heading');
    expect(lineKind('**Reembolso**', false)).toBe('heading');
    expect(lineKind('4. DESCALCIFICAÇÃO', false)).toBe('heading');
    expect(lineKind('Meu notebook quebrou, o que eu faço?', false)).toBe('question');
    expect(lineKind('(cópia adaptada pelo Administrativo)', false)).toBe('fragment');
    expect(lineKind('ficam guardados por 30 dias.', true)).toBe('fragment');
    expect(lineKind('ficam guardados por 30 dias.', false)).toBe('text');
    expect(lineKind('Os backups são guardados por 30 dias.', false)).toBe('text');
  });
});

describe('headingsAt', () => {
  const manual = [
    'MANUAL DA CAFETEIRA',
    'Manual resumido para a copa.',
    '==========',
    '4. DESCALCIFICAÇÃO',
    '==========',
    '',
    'A descalcificação remove o calcário.',
    '',
    'Procedimento (leva cerca de 25 minutos):',
    '1. Retire o filtro.',
  ].join('\n');

  it('gives the heading a line sits under, with the rules that frame it read as layout', () => {
    const at = manual.indexOf('Procedimento');
    expect(headingsAt(manual, [0, manual.indexOf('A descal'), at])).toEqual([undefined, '4. DESCALCIFICAÇÃO', '4. DESCALCIFICAÇÃO']);
  });

  it('joins a Markdown heading and the FAQ question under it, without their marks', () => {
    const faq = '## Notebook quebrado\nO que eu faço?\nAbra um chamado na categoria Hardware.';
    expect(headingsAt(faq, [faq.indexOf('Abra')])).toEqual(['Notebook quebrado O que eu faço?']);
  });

  it('gives nothing to a chunk that opens with its own heading', () => {
    const text = '## Férias\nSão 30 dias por ano.\n\n## Reembolso\nEm até 5 dias úteis.';
    expect(headingsAt(text, [text.indexOf('São'), text.indexOf('## Reembolso'), text.indexOf('Em até')])).toEqual(['Férias', undefined, 'Reembolso']);
  });

  it('lets a heading go once more than maxLines lines of text lie between', () => {
    const text = ['## Viagens', ...Array.from({ length: 8 }, (_, i) => `Regra número ${i + 1} da política.`)].join('\n');
    const last = text.lastIndexOf('Regra');
    expect(headingsAt(text, [text.indexOf('Regra número 2'), last], 6)).toEqual(['Viagens', undefined]);
  });
});
