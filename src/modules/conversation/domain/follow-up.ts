import { fold, words } from '../../../shared/text/lexical';
import { parsePeriod, Period, relativeShift, shiftPeriod } from './periods';

/** What the previous turn was about: its standalone question and, if a tool resolved one, its period. */
export interface PreviousTurn {
  query: string;
  period?: Period;
}

export interface Rewrite {
  query: string;
  /** null when the message already stands alone. */
  rule: 'standalone' | 'period_replaced' | 'modifier_appended' | 'subject_carried';
}

const CONNECTOR = /^\s*(e|mas|e quanto a|e sobre|e para|e no|e na|e nos|e nas|e em|e o|e a|e os|e as|tambem|e se)\b/;
const ANAPHORA = /\b(isso|disso|nisso|esse|essa|desse|dessa|nesse|nessa|ele|ela|dele|dela|deles|delas|nele|nela|o mesmo|a mesma|mesmo periodo|la|ali)\b/;
const INTERROGATIVE = /\b(qual|quais|quanto|quantos|quantas|quando|onde|como|quem|o que|por que|porque)\b/;
const MODIFIER = /^(por|em|no|na|nos|nas|de|do|da|dos|das|para|pra|com|sem|entre|durante|ate|desde)\b/;
const QUESTION_LEAD =
  /^(quais?|qual e|quais sao|quais foram|qual foi|quanto|quantos|quantas|quando|onde|como|quem|o que|por que|porque|pode|posso|pode me dizer|me diga|me fala|sabe)(\s+(e|sao|foram|foi))*\s+/;
const STOP = new Set(['e', 'o', 'a', 'os', 'as', 'de', 'do', 'da', 'dos', 'das', 'no', 'na', 'em', 'um', 'uma', 'que', 'qual', 'quanto', 'quantos', 'quantas', 'como', 'onde', 'quando', 'quem', 'mas', 'tambem', 'se', 'por', 'para', 'pra', 'isso', 'disso', 'esse', 'essa', 'ele', 'ela', 'custa', 'sobre']);

/**
 * The documented rule-based rewrite of a follow-up into a standalone query (used when no LLM is configured):
 * 1. a message that starts with a connector ("e ...", "mas ..."), refers back ("isso", "dele"), or has at most
 *    two content words is a follow-up; any other message stands alone;
 * 2. a follow-up naming a period ("e no mês anterior?", "e em março?") takes the previous question with its
 *    period replaced ("anterior"/"seguinte" shift the previous turn's period by one unit);
 * 3. a follow-up with its own interrogative and at least two content words ("e com quantos dias de antecedência
 *    peço?") asks a question of its own: it stands alone;
 * 4. a follow-up that is a modifier ("por região", "no Sul") is appended to the previous question;
 * 5. otherwise ("e quanto custa?") the follow-up keeps its own words and carries the previous question's
 *    subject (its words after the interrogative lead) and entities.
 */
export function rewriteFollowUp(message: string, previous: PreviousTurn | undefined, now: Date): Rewrite {
  const text = message.trim();
  const folded = fold(text.toLowerCase());
  const content = words(text).filter((w) => !w.stop && !STOP.has(w.word) && w.word.length > 1);
  const isFollowUp = CONNECTOR.test(folded) || ANAPHORA.test(folded) || content.length <= 2;
  if (!previous || !isFollowUp) return { query: text, rule: 'standalone' };

  const core = stripQuestion(text.replace(/^\s*(e|mas|tambem)\s+/i, ''));
  const coreFolded = fold(core.toLowerCase());
  const prevBase = stripQuestion(previous.query.replace(/^\s*(e|mas|tambem|também)\s+/i, ''));
  const shift = relativeShift(folded);
  const newPeriod = shift && previous.period ? shiftPeriod(previous.period, shift) : parsePeriod(core, now);
  if (newPeriod) {
    const withoutPeriod = previous.period ? removePeriodWords(prevBase) : prevBase;
    return { query: `${withoutPeriod} em ${newPeriod.label}?`, rule: 'period_replaced' };
  }
  // "e com quantos dias de antecedência peço?": a question of its own (an interrogative and what it asks about)
  if (INTERROGATIVE.test(coreFolded) && content.length >= 2) return { query: text, rule: 'standalone' };
  if (MODIFIER.test(coreFolded)) return { query: `${prevBase} ${core}?`, rule: 'modifier_appended' };
  const subjectText = stripLead(prevBase);
  const cleaned = core.replace(/\b(isso|disso|nisso|dele|dela|deles|delas|nele|nela)\b/gi, '').replace(/\s+/g, ' ').trim();
  return { query: `${capitalize(cleaned)} ${subjectText.trim()}?`.replace(/\s+\?/, '?'), rule: 'subject_carried' };
}

function stripQuestion(s: string): string {
  return s.trim().replace(/[?!.]+$/, '').trim();
}

function stripLead(s: string): string {
  const f = fold(s.toLowerCase());
  const m = QUESTION_LEAD.exec(f);
  return m ? s.slice(m[0].length) : s;
}

/** The previous question without its period words, so the new period replaces them. */
function removePeriodWords(s: string): string {
  return s
    .replace(
      /\b(d[oa]s?|n[oa]s?|em|de|neste|nesta|deste|desta|este|esta)?\s*(m[eê]s (passado|anterior|atual)|[uú]ltimo m[eê]s|(este|neste|deste) m[eê]s|semana (passada|anterior)|(esta|nesta|desta) semana|ano (passado|anterior)|(este|neste|deste) ano|[uú]ltim[oa]s \d+ (dias|semanas|meses)|\d[ºo°]? (trimestre|semestre)( de \d{4})?|(primeiro|segundo|terceiro|quarto) (trimestre|semestre)( de \d{4})?|(janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro)( de \d{4})?|hoje|ontem)\b/gi,
      '',
    )
    .replace(/\s+/g, ' ')
    .trim();
}

function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
