import { fold } from '../../../shared/text/lexical';

/** A period of whole days: [from, to) in UTC dates, with how a Brazilian user would name it. */
export interface Period {
  from: string; // YYYY-MM-DD, inclusive
  to: string; // YYYY-MM-DD, exclusive
  label: string;
  /** The unit it spans, so "o anterior" can shift it by one. */
  unit: 'day' | 'week' | 'month' | 'quarter' | 'semester' | 'year' | 'days';
}

export const MONTHS = ['janeiro', 'fevereiro', 'marco', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'];
const MONTH_LABELS = ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'];
const ORDINALS: Record<string, number> = { primeiro: 1, '1o': 1, '1': 1, segundo: 2, '2o': 2, '2': 2, terceiro: 3, '3o': 3, '3': 3, quarto: 4, '4o': 4, '4': 4 };
const NUMBERS: Record<string, number> = { um: 1, uma: 1, dois: 2, duas: 2, tres: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9, dez: 10, doze: 12, quinze: 15, trinta: 30, noventa: 90 };

const day = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d));
const iso = (d: Date) => d.toISOString().slice(0, 10);
const br = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
const addDays = (d: Date, n: number) => day(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + n);

function monthPeriod(y: number, m: number): Period {
  const from = day(y, m, 1);
  return { from: iso(from), to: iso(day(y, m + 1, 1)), label: `${MONTH_LABELS[from.getUTCMonth()]} de ${from.getUTCFullYear()}`, unit: 'month' };
}
function quarterPeriod(y: number, q: number): Period {
  const from = day(y, (q - 1) * 3, 1);
  const fy = from.getUTCFullYear();
  const fq = Math.floor(from.getUTCMonth() / 3) + 1;
  return { from: iso(from), to: iso(day(fy, fq * 3, 1)), label: `${fq}º trimestre de ${fy}`, unit: 'quarter' };
}
function semesterPeriod(y: number, s: number): Period {
  const from = day(y, (s - 1) * 6, 1);
  const fy = from.getUTCFullYear();
  const fs = from.getUTCMonth() < 6 ? 1 : 2;
  return { from: iso(from), to: iso(day(fy, fs * 6, 1)), label: `${fs}º semestre de ${fy}`, unit: 'semester' };
}
function yearPeriod(y: number): Period {
  return { from: iso(day(y, 0, 1)), to: iso(day(y + 1, 0, 1)), label: String(y), unit: 'year' };
}
function daysPeriod(from: Date, toExclusive: Date, label: string, unit: Period['unit'] = 'days'): Period {
  return { from: iso(from), to: iso(toExclusive), label: `${label} (${br(from)} a ${br(addDays(toExclusive, -1))})`, unit };
}

/** The ISO date of `now` as a UTC day (periods are whole days). */
function today(now: Date): Date {
  return day(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/**
 * Portuguese period expressions: "hoje", "ontem", "esta semana", "semana passada", "este mês", "mês passado",
 * "últimos 7 dias", "últimas 2 semanas", "últimos 3 meses", "em março" (the last March not in the future),
 * "março de 2026", "03/2026", "no 1º trimestre [de 2026]", "primeiro semestre", "este ano", "ano passado",
 * "em 2025", "de 01/03/2026 a 15/03/2026". Undefined when the text names no period.
 */
export function parsePeriod(text: string, now: Date): Period | undefined {
  const t = fold(text.toLowerCase()).replace(/º|ª/g, 'o');
  const d0 = today(now);
  const y = d0.getUTCFullYear();
  const m = d0.getUTCMonth();
  const yearIn = (s: string) => /\b(?:de |em )?(20\d\d)\b/.exec(s)?.[1];

  let r: RegExpExecArray | null;
  if ((r = /\b(?:de|entre)\s+(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(?:a|e|ate)\s+(\d{1,2})\/(\d{1,2})\/(\d{4})\b/.exec(t))) {
    const from = day(+r[3], +r[2] - 1, +r[1]);
    const to = addDays(day(+r[6], +r[5] - 1, +r[4]), 1);
    if (to > from) return daysPeriod(from, to, 'período');
  }
  if ((r = /\bultim[oa]s\s+(\d+|[a-z]+)\s+(dias?|semanas?|mes(?:es)?)\b/.exec(t))) {
    const n = /^\d+$/.test(r[1]) ? Number(r[1]) : NUMBERS[r[1]];
    if (n && n > 0 && n <= 3650) {
      if (r[2].startsWith('mes')) return { ...monthRange(y, m - n + 1, n), label: `últimos ${n} meses`, unit: 'days' };
      const days = r[2].startsWith('semana') ? n * 7 : n;
      return daysPeriod(addDays(d0, -days + 1), addDays(d0, 1), `últimos ${days} dias`);
    }
  }
  if (/\bhoje\b/.test(t)) return daysPeriod(d0, addDays(d0, 1), 'hoje', 'day');
  if (/\bontem\b/.test(t)) return daysPeriod(addDays(d0, -1), d0, 'ontem', 'day');
  const monday = addDays(d0, -((d0.getUTCDay() + 6) % 7));
  if (/\bsemana (passada|anterior)\b|\bultima semana\b/.test(t)) return daysPeriod(addDays(monday, -7), monday, 'semana passada', 'week');
  if (/\b(esta|nesta|desta|essa|nessa|dessa) semana\b|\bsemana atual\b/.test(t)) return daysPeriod(monday, addDays(d0, 1), 'esta semana', 'week');
  if ((r = /\b(primeiro|segundo|terceiro|quarto|[1-4]o?)\s+trimestre\b/.exec(t))) return quarterPeriod(Number(yearIn(t.slice(r.index)) ?? y), ORDINALS[r[1]]);
  if ((r = /\b([1-4])t(\d{2})\b/.exec(t))) return quarterPeriod(2000 + Number(r[2]), Number(r[1]));
  if (/\btrimestre (passado|anterior)\b|\bultimo trimestre\b/.test(t)) return quarterPeriod(y, Math.floor(m / 3));
  if (/\b(este|neste|deste|esse|nesse|desse) trimestre\b|\btrimestre atual\b/.test(t)) return quarterPeriod(y, Math.floor(m / 3) + 1);
  if ((r = /\b(primeiro|segundo|1o?|2o?)\s+semestre\b/.exec(t))) return semesterPeriod(Number(yearIn(t.slice(r.index)) ?? y), ORDINALS[r[1]]);
  if (/\bmes (passado|anterior)\b|\bultimo mes\b/.test(t)) return monthPeriod(y, m - 1);
  if (/\b(este|neste|deste|esse|nesse|desse) mes\b|\bmes atual\b|\bmes corrente\b/.test(t)) return monthPeriod(y, m);
  if ((r = new RegExp(`\\b(${MONTHS.join('|')})\\b`).exec(t))) {
    const month = MONTHS.indexOf(r[1]);
    const explicit = /^\s*(?:de\s+|\/\s*)?(20\d\d)\b/.exec(t.slice(r.index + r[0].length))?.[1];
    return monthPeriod(explicit ? Number(explicit) : month > m ? y - 1 : y, month);
  }
  if ((r = /\b(\d{1,2})\/(20\d\d)\b/.exec(t)) && +r[1] >= 1 && +r[1] <= 12) return monthPeriod(+r[2], +r[1] - 1);
  if (/\bano (passado|anterior)\b/.test(t)) return yearPeriod(y - 1);
  if (/\b(este|neste|deste|esse|nesse|desse) ano\b|\bano atual\b/.test(t)) return yearPeriod(y);
  if ((r = /\b(?:em|de|no ano de)\s+(20\d\d)\b/.exec(t))) return yearPeriod(Number(r[1]));
  return undefined;
}

function monthRange(y: number, firstMonth: number, n: number): Omit<Period, 'label' | 'unit'> {
  return { from: iso(day(y, firstMonth, 1)), to: iso(day(y, firstMonth + n, 1)) };
}

/** The period one unit before (`-1`) or after (`+1`) this one: "e no mês anterior?" after "mês passado". */
export function shiftPeriod(p: Period, by: -1 | 1): Period {
  const from = new Date(`${p.from}T00:00:00Z`);
  const to = new Date(`${p.to}T00:00:00Z`);
  const [fy, fm] = [from.getUTCFullYear(), from.getUTCMonth()];
  switch (p.unit) {
    case 'month':
      return monthPeriod(fy, fm + by);
    case 'quarter':
      return quarterPeriod(fy, Math.floor(fm / 3) + 1 + by);
    case 'semester':
      return semesterPeriod(fy, (fm < 6 ? 1 : 2) + by);
    case 'year':
      return yearPeriod(fy + by);
    default: {
      const days = Math.round((to.getTime() - from.getTime()) / 86400000);
      return daysPeriod(addDays(from, by * days), addDays(to, by * days), by < 0 ? 'período anterior' : 'período seguinte', p.unit);
    }
  }
}

/** "anterior" / "seguinte" relative to a period already in the conversation. */
export function relativeShift(text: string): -1 | 1 | undefined {
  const t = fold(text.toLowerCase());
  if (/\b(mes|trimestre|semestre|ano|semana|periodo)\s+anterior\b|\bantes disso\b/.test(t)) return -1;
  if (/\b(mes|trimestre|semestre|ano|semana|periodo)\s+seguinte\b|\bdepois disso\b/.test(t)) return 1;
  return undefined;
}
