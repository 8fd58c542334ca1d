import { parsePeriod, relativeShift, shiftPeriod } from './periods';

const now = new Date('2026-04-15T12:00:00Z'); // a Wednesday

describe('parsePeriod (Portuguese)', () => {
  it.each([
    ['Quais foram as vendas do mês passado?', '2026-03-01', '2026-04-01', 'março de 2026'],
    ['vendas deste mês', '2026-04-01', '2026-05-01', 'abril de 2026'],
    ['Top 3 produtos em março', '2026-03-01', '2026-04-01', 'março de 2026'],
    ['vendas em março de 2025', '2025-03-01', '2025-04-01', 'março de 2025'],
    ['faturamento de dezembro', '2025-12-01', '2026-01-01', 'dezembro de 2025'], // the last December not in the future
    ['vendas no 1º trimestre', '2026-01-01', '2026-04-01', '1º trimestre de 2026'],
    ['vendas no primeiro trimestre de 2025', '2025-01-01', '2025-04-01', '1º trimestre de 2025'],
    ['segundo semestre de 2025', '2025-07-01', '2026-01-01', '2º semestre de 2025'],
    ['ano passado', '2025-01-01', '2026-01-01', '2025'],
    ['vendas de 03/2026', '2026-03-01', '2026-04-01', 'março de 2026'],
  ])('%s', (text, from, to, label) => {
    expect(parsePeriod(text, now)).toMatchObject({ from, to, label });
  });

  it('counts "últimos 7 dias" back from today, today included', () => {
    expect(parsePeriod('vendas dos últimos 7 dias', now)).toMatchObject({ from: '2026-04-09', to: '2026-04-16' });
    expect(parsePeriod('últimas duas semanas', now)).toMatchObject({ from: '2026-04-02', to: '2026-04-16' });
    expect(parsePeriod('últimos 3 meses', now)).toMatchObject({ from: '2026-02-01', to: '2026-05-01' });
  });

  it('knows weeks (Monday first), today and yesterday', () => {
    expect(parsePeriod('semana passada', now)).toMatchObject({ from: '2026-04-06', to: '2026-04-13' });
    expect(parsePeriod('ontem', now)).toMatchObject({ from: '2026-04-14', to: '2026-04-15' });
  });

  it('names no period when there is none', () => {
    expect(parsePeriod('Quais são os produtos mais vendidos?', now)).toBeUndefined();
  });

  it('shifts a period by its unit: "e no mês anterior?"', () => {
    const march = parsePeriod('mês passado', now)!;
    expect(relativeShift('e no mês anterior?')).toBe(-1);
    expect(shiftPeriod(march, -1)).toMatchObject({ from: '2026-02-01', to: '2026-03-01', label: 'fevereiro de 2026' });
    expect(shiftPeriod(parsePeriod('1º trimestre', now)!, -1)).toMatchObject({ from: '2025-10-01', label: '4º trimestre de 2025' });
  });
});
