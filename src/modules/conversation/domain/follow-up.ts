import { fold, words } from '../../../shared/text/lexical';
import { isSmalltalk } from './intent-router';
import { parsePeriod, Period, relativeShift, shiftPeriod } from './periods';

/** What the previous turn was about: its standalone question and, if a tool resolved one, its period. */
export interface PreviousTurn {
  query: string;
  period?: Period;
  /** The subject its rewrite carried (Rewrite.subject), when it was one: read again from the query otherwise. */
  subject?: Topic;
}

/** What a conversation is about: a noun phrase and the article it takes ("o", "reembolso de despesas"). */
export interface Topic {
  article: string;
  noun: string;
}

export interface Rewrite {
  query: string;
  /** null when the message already stands alone. */
  rule: 'standalone' | 'period_replaced' | 'modifier_appended' | 'subject_carried';
  /** subject_carried: the subject the message was asked about, for the next follow-up (give it as PreviousTurn.subject). */
  subject?: Topic;
}

const CONNECTOR = /^\s*(e|mas|mas e|e quanto a|e sobre|e para|e pra|e no|e na|e nos|e nas|e em|e o|e a|e os|e as|tambem|e se|entao)\b/;
/** The connectors a follow-up starts with, taken off before it is rewritten ("mas e se ..." -> "se ..."). */
const LEADING_CONNECTORS = /^\s*((e|mas|tambem|também|entao|então)\s+)+/i;
const ANAPHORA = /\b(isso|disso|nisso|esse|essa|desse|dessa|nesse|nessa|ele|ela|dele|dela|deles|delas|nele|nela|o mesmo|a mesma|mesmo periodo|la|ali)\b/;
const INTERROGATIVE = /\b(qual|quais|quanto|quantos|quantas|quando|onde|como|quem|o que|por que|porque)\b/;
const MODIFIER = /^(por|em|ao|aos|no|na|nos|nas|de|do|da|dos|das|para|pra|com|sem|entre|durante|ate|desde|se)\b/;
const QUESTION_LEAD =
  /^(qual|quais|qual e|quais sao|quais foram|qual foi|quanto|quantos|quantas|quando|onde|como|quem|o que|por que|porque|pode|posso|pode me dizer|me diga|me fala|sabe)(\s+(e|sao|foram|foi))*\s+/;
const STOP = new Set(['eu', 'e', 'o', 'a', 'os', 'as', 'de', 'do', 'da', 'dos', 'das', 'no', 'na', 'em', 'um', 'uma', 'que', 'qual', 'quanto', 'quantos', 'quantas', 'como', 'onde', 'quando', 'quem', 'mas', 'tambem', 'se', 'por', 'para', 'pra', 'isso', 'disso', 'esse', 'essa', 'ele', 'ela', 'custa', 'sobre']);

/**
 * The documented rule-based rewrite of a follow-up into a standalone query (used when no LLM is configured):
 * 1. a message that starts with a connector ("e ...", "mas ..."), refers back ("isso", "dele"), or has at most
 *    two content words is a follow-up; any other message stands alone;
 * 2. a follow-up naming a period ("e no mês anterior?", "e em março?") takes the previous question with its
 *    period replaced ("anterior"/"seguinte" shift the previous turn's period by one unit);
 * 3. a follow-up with its own interrogative and at least two content words stands alone when it has no elliptic
 *    marker (a connector or a pronoun) or names the subject again ("e qual o prazo do reembolso de viagens?"); else it
 *    is asked about the conversation's subject (the one the previous rewrite carried, else the previous question's):
 *    "e em quantos dias é pago?" -> "Em quantos dias é pago o reembolso de despesas?", "quanto tempo demora isso?" ->
 *    "Quanto tempo demora o reembolso de despesas?";
 * 4. a follow-up that is a modifier ("por região", "no Sul", "e se eu perder a nota?") is appended to the previous question;
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

  const core = stripQuestion(text.replace(LEADING_CONNECTORS, ''));
  const coreFolded = fold(core.toLowerCase());
  // NFC: the folded text then has the original's length (slices of one are slices of the other)
  const prevBase = stripQuestion(previous.query.normalize('NFC').replace(LEADING_CONNECTORS, ''));
  const shift = relativeShift(folded);
  const newPeriod = shift && previous.period ? shiftPeriod(previous.period, shift) : parsePeriod(core, now);
  if (newPeriod) {
    const withoutPeriod = previous.period ? removePeriodWords(prevBase) : prevBase;
    return { query: `${withoutPeriod} em ${newPeriod.label}?`, rule: 'period_replaced' };
  }
  if (INTERROGATIVE.test(coreFolded) && content.length >= 2) {
    // A question of its own ("Onde fica o RH?"), or one that names the subject again ("e qual o prazo do reembolso de
    // viagens?" after one on reembolso), stands alone. An elliptic one ("e em quantos dias é pago?", "quanto tempo
    // demora isso?") is asked about the conversation's subject (probe D4, session 17: it was left standalone and
    // answered from another document).
    const subject = previous.subject ?? topicOf(stripLead(prevBase).trim());
    const elliptic = CONNECTOR.test(folded) || ANAPHORA.test(folded);
    if (!elliptic || !subject.noun || names(core, subject.noun)) return { query: text, rule: 'standalone' };
    return { query: askAbout(core, subject), rule: 'subject_carried', subject };
  }
  if (MODIFIER.test(coreFolded)) return { query: `${prevBase} ${core}?`, rule: 'modifier_appended' };
  const topic = previous.subject ?? topicOf(stripLead(prevBase).trim());
  // "e posso vender parte delas?" -> "Posso vender parte das férias?" (a noun phrase, "e o prazo dele?", takes "qual")
  if (PRONOUN.test(coreFolded) && !/^(o|a|os|as)\s/.test(coreFolded)) return { query: askAbout(core, topic), rule: 'subject_carried', subject: topic };
  const cleaned = core.replace(/\b(isso|disso|nisso|dele|dela|deles|delas|nele|nela)\b/gi, '').replace(/\s+/g, ' ').trim();
  return { query: carryTopic(cleaned, topic), rule: 'subject_carried', subject: topic };
}

const ARTICLE_OF: Record<string, string> = { do: 'o', no: 'o', da: 'a', na: 'a', dos: 'os', nos: 'os', das: 'as', nas: 'as' };
const CONTRACTED: Record<string, string> = { o: 'do', a: 'da', os: 'dos', as: 'das', '': 'de' };
/** Where a subject's topic begins: "... no reembolso", "... do auxílio", "... de atendimento", "... para pedir o reembolso". */
const TOPIC_START = /\s(?:(d[oa]s?|n[oa]s?|de|em|sobre)|(?:para|pra|de|a)\s+\S+(?:ar|er|ir)\s+(o|a|os|as))\s+(?=\S)/;
/** Nouns that name an attribute of something ("o valor do auxílio"): the follow-up asks about that something. */
const ATTRIBUTE =
  /^(valor(es)?|prazos?|horarios?|precos?|custos?|modelos?|telefones?|enderecos?|limites?|datas?|numeros?|quantidade|percentual|taxas?|regras?|politicas?|processos?|procedimentos?|e-?mails?|contatos?|nomes?|tamanhos?|duracao|periodos?|tempo|multas?|descontos?|salarios?|teto|minimo|maximo|total|responsave(l|is)|site|link|requisitos?|condicoes|documentos necessarios|dias|horas|meses|semanas)\b/;

/**
 * The topic of a question's subject (its words after the interrogative lead), with the article it takes: after an
 * attribute ("o valor máximo por refeição no reembolso" -> o reembolso), else the whole subject ("a máquina de café da
 * copa", "as férias dos estagiários").
 */
function topicOf(subject: string): Topic {
  const f = foldInPlace(subject);
  const a = /^(o|a|os|as)\s+/.exec(f);
  const m = ATTRIBUTE.test(f.slice(a ? a[0].length : 0)) ? TOPIC_START.exec(f) : null;
  const t = m ? { article: m[2] ?? ARTICLE_OF[m[1]] ?? '', noun: subject.slice(m.index + m[0].length) } : a ? { article: a[1], noun: subject.slice(a[0].length) } : { article: '', noun: subject };
  // "férias eu tenho por ano", "férias posso vender": the noun phrase, without the clause that goes on
  const c = CLAUSE.exec(foldInPlace(t.noun));
  return c && c.index > 0 ? { ...t, noun: t.noun.slice(0, c.index) } : t;
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
  const link = endsInVerb ? t.article || articleFor(t.noun) : CONTRACTED[t.article];
  return `${capitalize(phrase)} ${link ? `${link} ` : ''}${t.noun}?`.replace(/\s+/g, ' ').replace(/\s+\?/, '?');
}

function stripQuestion(s: string): string {
  return s.trim().replace(/[?!.]+$/, '').trim();
}

/**
 * A question's subject: without its interrogative lead and the verb after it ("Como peço reembolso de despesas" ->
 * "reembolso de despesas", "Quanto custa a máquina" -> "a máquina").
 */
function stripLead(s: string): string {
  const f = foldInPlace(s);
  const m = QUESTION_LEAD.exec(f);
  const rest = m ? m[0].length : 0;
  const v = LEADING_VERB.exec(f.slice(rest));
  return s.slice(rest + (v && v[0].length < f.length - rest ? v[0].length : 0));
}

/** A verb that follows the interrogative ("como peço", "onde faço", "quanto custa"), with an infinitive after a modal. */
const LEADING_VERB =
  /^(eu\s+)?(peco|faco|posso|devo|preciso|consigo|solicito|recebo|tiro|uso|acesso|vejo|custa|custam|funciona|funcionam|vale|dura|demora|leva|tenho|ganho|envio|mando|marco|agendo|cadastro|redefino|troco|mudo|altero|reservo|reporto|abro|registro|compro|faz|fazem|fica|ficam|emito|declaro|cancelo|renovo|recebe|recebem|ganha|ganham|deve|devem|pode|podem)(\s+\S{2,}(ar|er|ir))?\s+/;
/** Where a subject's clause goes on past its noun phrase ("férias eu tenho por ano", "férias posso vender"). */
const CLAUSE = /\s(eu|posso|devo|preciso|consigo|tenho|ganho|recebo|pode|podem|deve|devem|tem|sao|esta|fica)\b/;

/** The words a follow-up is asked with, when they replace a pronoun or follow a verb ("é pago", "peço") or a noun. */
const PRONOUN = /\b(isso|disso|nisso|ele|ela|eles|elas|dele|dela|deles|delas|nele|nela|neles|nelas)\b/;
const IN: Record<string, string> = { o: 'no', a: 'na', os: 'nos', as: 'nas' };
const VERB =
  /^(e|sao|foi|foram|pago|paga|pagos|pagas|aprova|aprovam|peco|faco|recebo|solicito|envio|mando|funciona|funcionam|custa|custam|demora|leva|vale|cobre|inclui|precisa|preciso|sai|cai|dura|tenho|ganho|uso|marco|agendo|pego|entrego|procuro|devo|posso|consigo|troco|mudo|altero|cancelo|renovo|acesso|abro|pagam|recebem|ligo|falo|feito|feita|aprovado|aprovada|\S{2,}(ar|er|ir))$/;

/** The article a noun most likely takes, when its question gave none ("reembolso" o, "férias" as, "senha" a). */
function articleFor(noun: string): string {
  const w = fold(noun.toLowerCase()).split(/[\s-]+/)[0] ?? '';
  if (w.endsWith('as')) return 'as';
  if (w.endsWith('s')) return 'os';
  return /(a|cao|dade|gem|ie)$/.test(w) ? 'a' : 'o';
}

/** Whether a message names the subject again (a content word of one in the other): then it asks on its own. */
function names(message: string, subject: string): boolean {
  const content = (t: string) => words(t).filter((w) => !w.stop && !STOP.has(w.word) && w.word.length > 1).map((w) => w.stem);
  const own = new Set(content(message));
  return content(subject).some((s) => own.has(s));
}

/**
 * An elliptic question asked about the conversation's subject: the subject replaces its pronoun ("quanto tempo demora
 * isso" -> "Quanto tempo demora o reembolso de despesas?", "como incluo um dependente nele" -> "... no plano de
 * saúde?"), else follows it: as a verb's object ("em quantos dias é pago o reembolso de despesas?"), after an
 * interrogative at its end with "no" ("pagam quanto no plano de saúde?"), else with "de" ("qual o limite de alimentação
 * do reembolso de despesas?").
 */
function askAbout(core: string, topic: Topic): string {
  const article = topic.article || articleFor(topic.noun);
  const f = foldInPlace(core);
  const p = PRONOUN.exec(f);
  let q: string;
  if (p) {
    const link = p[1].startsWith('d') ? CONTRACTED[article] : p[1].startsWith('n') ? IN[article] : article;
    q = `${core.slice(0, p.index)}${link} ${topic.noun}${core.slice(p.index + p[1].length)}`;
  } else {
    const last = f.split(/\s+/).pop() ?? '';
    const link = VERB.test(last) ? article : INTERROGATIVE.test(last) ? IN[article] : CONTRACTED[article];
    q = `${core} ${link} ${topic.noun}`;
  }
  return `${capitalize(q.replace(/\s+/g, ' ').trim())}?`;
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
