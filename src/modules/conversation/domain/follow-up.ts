import { fold, words } from '../../../shared/text/lexical';
import { isSmalltalk } from './intent-router';
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
const MODIFIER = /^(por|em|ao|aos|no|na|nos|nas|de|do|da|dos|das|para|pra|com|sem|entre|durante|ate|desde)\b/;
const QUESTION_LEAD =
  /^(qual|quais|qual e|quais sao|quais foram|qual foi|quanto|quantos|quantas|quando|onde|como|quem|o que|por que|porque|pode|posso|pode me dizer|me diga|me fala|sabe)(\s+(e|sao|foram|foi))*\s+/;
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
 * 5. otherwise ("e o prazo para pedir?", "e quanto custa?") the follow-up is asked about the previous question's
 *    topic: when the subject names an attribute ("o valor", "o prazo", "o horário"), the noun phrase after its first
 *    "de/do/da/no/na/em/sobre" (or the object of its "para <verb>"), else the whole subject: "Qual o valor máximo por refeição no reembolso?" + "e o prazo para pedir?" ->
 *    "Qual o prazo para pedir o reembolso?"; + "e quanto custa?" -> "Quanto custa o reembolso?".
 * Greetings and thanks ("obrigado!", "ok", "oi") are smalltalk, never a follow-up.
 */
export function rewriteFollowUp(message: string, previous: PreviousTurn | undefined, now: Date): Rewrite {
  const text = message.trim().normalize('NFC');
  const folded = fold(text.toLowerCase());
  const content = words(text).filter((w) => !w.stop && !STOP.has(w.word) && w.word.length > 1);
  const isFollowUp = CONNECTOR.test(folded) || ANAPHORA.test(folded) || content.length <= 2;
  if (!previous || !isFollowUp || isSmalltalk(text)) return { query: text, rule: 'standalone' };

  const core = stripQuestion(text.replace(/^\s*(e|mas|tambem|também)\s+/i, ''));
  const coreFolded = fold(core.toLowerCase());
  // NFC: the folded text then has the original's length (slices of one are slices of the other)
  const prevBase = stripQuestion(previous.query.normalize('NFC').replace(/^\s*(e|mas|tambem|também)\s+/i, ''));
  const shift = relativeShift(folded);
  const newPeriod = shift && previous.period ? shiftPeriod(previous.period, shift) : parsePeriod(core, now);
  if (newPeriod) {
    const withoutPeriod = previous.period ? removePeriodWords(prevBase) : prevBase;
    return { query: `${withoutPeriod} em ${newPeriod.label}?`, rule: 'period_replaced' };
  }
  // "e com quantos dias de antecedência peço?": a question of its own (an interrogative and what it asks about)
  if (INTERROGATIVE.test(coreFolded) && content.length >= 2) return { query: text, rule: 'standalone' };
  if (MODIFIER.test(coreFolded)) return { query: `${prevBase} ${core}?`, rule: 'modifier_appended' };
  const cleaned = core.replace(/\b(isso|disso|nisso|dele|dela|deles|delas|nele|nela)\b/gi, '').replace(/\s+/g, ' ').trim();
  return { query: carryTopic(cleaned, topicOf(stripLead(prevBase).trim())), rule: 'subject_carried' };
}

const ARTICLE_OF: Record<string, string> = { do: 'o', no: 'o', da: 'a', na: 'a', dos: 'os', nos: 'os', das: 'as', nas: 'as' };
const CONTRACTED: Record<string, string> = { o: 'do', a: 'da', os: 'dos', as: 'das', '': 'de' };
/** Where a subject's topic begins: "... no reembolso", "... do auxílio", "... de atendimento", "... para pedir o reembolso". */
const TOPIC_START = /\s(?:(d[oa]s?|n[oa]s?|de|em|sobre)|(?:para|pra|de|a)\s+\S+(?:ar|er|ir)\s+(o|a|os|as))\s+(?=\S)/;
/** Nouns that name an attribute of something ("o valor do auxílio"): the follow-up asks about that something. */
const ATTRIBUTE =
  /^(valor(es)?|prazos?|horarios?|precos?|custos?|modelos?|telefones?|enderecos?|limites?|datas?|numeros?|quantidade|percentual|taxas?|regras?|politicas?|processos?|procedimentos?|e-?mails?|contatos?|nomes?|tamanhos?|duracao|periodos?|tempo|multas?|descontos?|salarios?|teto|minimo|maximo|total|responsave(l|is)|site|link|requisitos?|condicoes|documentos necessarios)\b/;

/**
 * The topic of a question's subject (its words after the interrogative lead), with the article it takes: after an
 * attribute ("o valor máximo por refeição no reembolso" -> o reembolso), else the whole subject ("a máquina de café da
 * copa", "as férias dos estagiários").
 */
function topicOf(subject: string): { article: string; noun: string } {
  const f = foldInPlace(subject);
  const a = /^(o|a|os|as)\s+/.exec(f);
  const m = ATTRIBUTE.test(f.slice(a ? a[0].length : 0)) ? TOPIC_START.exec(f) : null;
  if (m) return { article: m[2] ?? ARTICLE_OF[m[1]] ?? '', noun: subject.slice(m.index + m[0].length) };
  return a ? { article: a[1], noun: subject.slice(a[0].length) } : { article: '', noun: subject };
}

/**
 * Lowercase and without accents, one character for one, so a position in it is the same position in `s`: a character
 * that folds to more or fewer ("…" to "...", "İ" to two) is kept as it is ("Qual o valor… máximo no reembolso?" gave
 * the topic "embolso": review, session 13).
 */
function foldInPlace(s: string): string {
  let out = '';
  for (const c of s) {
    const f = fold(c.toLowerCase());
    out += f.length === c.length ? f : c;
  }
  return out;
}

function inner(topic: { article: string; noun: string }): { article: string; noun: string } {
  const m = /\s(d[oa]s?|n[oa]s?)\s+(?=\S)/.exec(foldInPlace(topic.noun));
  return m ? { article: ARTICLE_OF[m[1]], noun: topic.noun.slice(m.index + m[0].length) } : topic;
}

/**
 * The follow-up asked about the topic: "quanto custa" + (o, reembolso) -> "Quanto custa o reembolso?" (a verb takes
 * the topic as its object); "o prazo para pedir" -> "Qual o prazo para pedir o reembolso?"; "o telefone" + (o,
 * suporte) -> "Qual o telefone do suporte?" (a noun takes it with "de").
 */
function carryTopic(core: string, topic: { article: string; noun: string }): string {
  const f = fold(core.toLowerCase());
  const asks = INTERROGATIVE.test(f.split(/\s+/)[0] ?? '') || /^(o que|por que)\b/.test(f);
  const phrase = asks ? core : `qual ${core}`;
  // "quanto custa", "quem aprova" (an interrogative and its verb), "... para pedir" (an infinitive)
  const endsInVerb = (asks && !/^(qual|quais|quantos|quantas)\b/.test(f) && f.split(/\s+/).length === 2) || /\b(para|pra|de|a)\s+\S+(ar|er|ir)$/.test(f);
  // a verb's object takes an article: "aprovação do reembolso" (no article of its own) gives "o reembolso"
  const t = endsInVerb && !topic.article ? inner(topic) : topic;
  const link = endsInVerb ? t.article : CONTRACTED[t.article];
  return `${capitalize(phrase)} ${link ? `${link} ` : ''}${t.noun}?`.replace(/\s+/g, ' ').replace(/\s+\?/, '?');
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
