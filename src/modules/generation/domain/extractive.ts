import { fold, sameFamily, sameWord, sentences, stem, Word, words } from '../../../shared/text/lexical';
import { isLayout, lineKind } from '../../../shared/text/headings';
import { isSynonym, synonymsOf } from '../../../shared/text/synonyms';

/**
 * The offline answerer: from the retrieved passages, the sentence (or two adjacent sentences) that
 * answers the question, not the ones that merely overlap it most.
 *
 * 1. The question is read for what it asks (its answer type: an amount, a time, a person, a place, an
 *    instruction, a yes/no…) and for its content terms; interrogatives and scaffolding ("qual", "posso",
 *    "é possível", "o que eu faço") are not evidence a document must contain, and answer-type nouns
 *    ("valor", "prazo") count only a little and are satisfied by a sentence holding that kind of answer.
 * 2. Every sentence, alone or with its neighbour, is scored by its IDF-weighted coverage of the terms
 *    (stems, or words of one family the stemmer splits: "vender" / "venda"), with the heading or FAQ
 *    question line above it counting for the sentences under it, then by whether it holds the expected
 *    kind of answer, how close together the terms are, and the passage's rank.
 * 3. Headings, question lines and fragments cut mid-sentence are never quoted; sentences from another
 *    passage are added only when the question asks for several things. A factoid question ("quando",
 *    "quantos", "quem", "onde") whose passage has two sentences of the asked kind that score alike gets both (short);
 *    so does a question whose chosen sentence lacks the kind asked, with the passage's sentence that holds it, and a
 *    "qual X" question (whose words do not tell the answer's kind) whose passage has a close runner-up.
 * The coverage of the best window is the evidence: below `minSupport` nothing is returned (a refusal).
 */
export interface ExtractiveOptions {
  /** Most sentences in an answer (reached only by questions that ask for several things). */
  maxSentences: number;
  /** Minimum IDF-weighted share of the question's content the chosen sentences must cover. */
  minSupport: number;
  /** Added to minSupport for each content term a question has fewer than 4 (short questions need fuller cover). */
  shortQuestionStep?: number;
}

export interface GroundingPassage {
  n: number;
  text: string;
  title?: string;
  /** Offset of the passage in its document (0 = the document's start: its first sentence is whole). */
  start?: number;
  /** The document it comes from: passages of one document that continue each other share their headings. */
  documentId?: string;
  /** The heading the passage starts under, when its chunk begins inside a section (ingestion keeps it). */
  heading?: string;
}

export interface ExtractedSentence {
  n: number;
  text: string;
  score: number;
  position: number;
}

export type AnswerType = 'amount' | 'time' | 'person' | 'place' | 'instruction' | 'yesno' | 'reason' | 'definition' | 'open';

export interface QuestionTerm {
  stem: string;
  word: string;
  /** While ranking: the passages' words this term matches. */
  matching?: Set<string>;
  /** Answer-type noun ("valor", "prazo"): weighs little and is satisfied by an answer of its kind. */
  kind?: EntityKind;
  /** Another spelling the documents may use: "terceiro" is written "3º" too. */
  alias?: string;
  /** Words that say the same ("peço" / "solicitação"). */
  synonyms?: readonly string[];
  /** A name, acronym or code as the user wrote it ("Netflix", "PLR", "E7"): documents that never write it do not answer. */
  proper?: boolean;
}

export interface QuestionAnalysis {
  type: AnswerType;
  terms: QuestionTerm[];
  /** Asks for several things (lists, two questions in one): answers may take sentences from several passages. */
  several: boolean;
  /** For amounts: money ("quanto custa") or a length of time ("quanto tempo", "quantos dias"); for times, how often ("de quanto em quanto tempo"). */
  unit?: 'money' | 'duration' | 'frequency' | 'year' | 'clock';
  /** "Quantos funcionários": prefixes of the counted noun and its synonyms; the answer counts it ("8 horas" does not). */
  countRoots?: string[];
  /** "Como configuro…", "como eu faço…": the asker wants steps to follow, not a sentence that mentions the thing. */
  howDoI?: boolean;
  /** "Quantos gramas", "quantos km", "qual a temperatura": a unit of measure, written in full or abbreviated after a number ("120 ml" is not grams). */
  measure?: RegExp;
  /** "Qual programa", "em qual sistema": the noun whose name is asked (folded); the answer names it ("o sistema Rota"). */
  slot?: string;
  /** The slot noun's and its synonyms' prefixes ("sistem", "modu"), computed once per question. */
  slotRoots?: string[];
  /**
   * Words (folded) of the noun phrase the question asks about: "qual a senha do Wi-Fi da diretoria", "quem é o
   * gerente do escritório do Rio", "quantos dias de licença", "quando começa o plantão de fim de semana". The answer
   * must hold each (or sit under a heading that does): a sentence about the visitors' Wi-Fi password does not answer
   * for the board's, nor one about when holidays may start for when the weekend duty does.
   */
  head?: string[];
}

type EntityKind = 'amount' | 'time' | 'person' | 'place';

const SCAFFOLDING = new Set(
  fold(
    `qual quais quanto quanta quantos quantas como onde aonde quando quem porque porquê que
     posso pode podem podemos poderia poderiam devo deve devem devemos preciso precisa precisam precisamos consigo consegue
     existe existem há tem tenho temos têm faço faz fazer fazemos sei saber gostaria queria quero alguém possível
     eu você vocês pra pro meu minha meus minhas nosso nossa nossos nossas algum alguma alguns algumas gente
     é são está estão ser estar sobre aí lá então favor numa num mim comigo depois enquanto durante vai vão vou ir estou sou fica ficar
     parte quer querem dizer significa significam várias vários sozinho sozinha ainda agora hoje aqui isso esse essa daqui
     este esta estes estas deste desta destes destas neste nesta desse dessa nesse nessa aquele aquela
     dela dele delas deles nela nele nelas neles daquele daquela daqueles daquelas tinha tinham havia haviam sido
     cite citar liste listar enumere mencione descreva explique diga
     what which who whom when where why how does do did can could should would much many about tell me`,
  )
    .split(/\s+/)
    .filter(Boolean),
);

/** Nouns that name the kind of answer wanted; the document need not repeat them. */
const TYPE_NOUNS: Record<string, EntityKind> = Object.fromEntries(
  [
    ...['valor', 'valores', 'preço', 'preços', 'custo', 'custa', 'custam', 'quantia', 'montante', 'taxa', 'total', 'número', 'quantidade', 'limite', 'teto', 'máximo', 'mínimo', 'percentual', 'porcentagem', 'percentagem'].map((w) => [w, 'amount']),
    ...['prazo', 'prazos', 'data', 'datas', 'dia', 'dias', 'horário', 'horários', 'hora', 'horas', 'período', 'tempo', 'duração', 'frequência', 'vez', 'vezes', 'ano', 'época'].map((w) => [w, 'time']),
    ...['nome', 'responsável', 'pessoa', 'contato'].map((w) => [w, 'person']),
    ...['local', 'lugar', 'endereço'].map((w) => [w, 'place']),
  ].map(([w, k]) => [fold(w), k as EntityKind]),
);

/** In "quanto tempo demora / dura / leva…" the verb asks for the duration: the document says "leva 25 minutos" or only "25 minutos". */
const DURATION_VERBS = new Set(fold('demora demoram demorar dura duram durar leva levam levar gasta gastam gastar').split(' '));

const TYPE_NOUN_WEIGHT = 0.35;
/** Each named term a window leaves out costs it this factor: a better-ranked passage that misses more does not win on rank alone (swept 0.7-0.9 on office and SQuAD-pt dev). */
const MISS_FACTOR = 0.9;
/** Answer types a sentence visibly holds or not (an amount, a time, a person, a place): a short question is not answered without one. */
const FIT_REQUIRED = new Set<AnswerType>(['amount', 'time']);
const UNSEEN_VERB_WEIGHT = 0.4;

/** Conjugated or infinitive verb forms (folded): -ou, -eu, -iu, -ei, -amos, -ava, -ar/-er/-ir, gerunds, participles, and short first-person forms. */
function verbLike(word: string): boolean {
  // "13º" (folded "13o") is a number, not a first person
  if (!/^\p{L}+$/u.test(word)) return false;
  return /(?:ou|ei|amos|emos|imos|ava|avam|iam|ar|er|ir|ando|endo|indo|ado|ido|ada|ida|ados|idos|adas|idas|aram|eram|iram)$/.test(word) || (word.length <= 5 && /o$/.test(word)) || (word.length <= 4 && /[aeu]i$/.test(word))
    // the preterite of -er and -ir verbs ("aconteceu", "morreu", "escreveu", "surgiu", "descobriu"), not the nouns in
    // -eu ("museu", "europeu", "troféu", "mausoléu", "judeu")
    || (word.length >= 6 && /(?:c|d|r|v|t|b)eu$/.test(word)) || (word.length >= 5 && /iu$/.test(word));
}
const HEADING_CREDIT = 0.8;
/** A term the document's title (or subject line) holds: as evidence, half a term. */
const TITLE_CREDIT = 0.5;
/** The same term while ranking the lines of the document: held by each of them. */
const SUBJECT_CREDIT = 1;
/** A subject line under the title is short: "Produto: Pão de queijo mineiro (receita da casa)", not a sentence of the text. */
const SUBJECT_WORDS = 10;

const ORDINALS: Record<string, string> = Object.fromEntries(
  ['primeiro segundo terceiro quarto quinto sexto sétimo oitavo nono décimo', 'primeira segunda terceira quarta quinta sexta sétima oitava nona décima'].flatMap((list, g) =>
    list.split(' ').map((w, i) => [fold(w), `${i + 1}${g ? 'a' : 'o'}`]),
  ),
);

/** Chat spellings of question words ("oq eu faço", "pq", "vc") read as written out. */
const CHAT: Record<string, string> = {
  oq: 'o que', oque: 'o que', pq: 'por que', pqe: 'por que', vc: 'você', vcs: 'vocês', q: 'que', tb: 'também', tbm: 'também',
  hj: 'hoje', qdo: 'quando', qnd: 'quando', qto: 'quanto', qnto: 'quanto', qtos: 'quantos', qtas: 'quantas', cmg: 'comigo', td: 'tudo', msm: 'mesmo', ñ: 'não', naum: 'não', eh: 'é',
};

function expandChat(question: string): string {
  // only as typed in lowercase: "TB", "VC", "Q" are names and acronyms
  return question.replace(/(?<![\p{L}\p{N}])\p{L}+(?![\p{L}\p{N}])/gu, (w) => (w === w.toLowerCase() && CHAT[w]) || w);
}

/** Numbers written in words or digits ("dez" / "10"), both ways. */
const CARDINALS: Record<string, string> = Object.fromEntries(
  'dois tres quatro cinco seis sete oito nove dez onze doze treze quatorze quinze dezesseis dezessete dezoito dezenove vinte'
    .split(' ')
    .flatMap((w, i) => [[w, String(i + 2)], [String(i + 2), w]])
    .concat([['trinta', '30'], ['30', 'trinta'], ['cem', '100'], ['100', 'cem'], ['mil', '1000']]),
);

/** "da empresa", "aqui na firma": in a company's own documents the company is where the question is asked, not what it asks about. */
const OWN_COMPANY = /\s(?:aqui\s)?(?:da|na|pela|para a|nesta|nessa|desta|dessa)\s(?:nossa\s)?(?:empresa|companhia|firma)(?=[\s?!.,;]|$)/giu;

/** Questions come back (the evidence, then the answer): their analyses are kept, and handed out as copies (ranking writes on the terms). */
const analyses = new Map<string, QuestionAnalysis>();

export function analyzeQuestion(asked: string): QuestionAnalysis {
  let known = analyses.get(asked);
  if (!known) {
    known = analyze(asked);
    analyses.set(asked, known);
    if (analyses.size > 64) analyses.delete(analyses.keys().next().value!);
  }
  return { ...known, terms: known.terms.map((t) => ({ ...t })) };
}

function analyze(asked: string): QuestionAnalysis {
  const typed = expandChat(decodeEntities(asked.normalize('NFC')));
  const stripped = typed.replace(OWN_COMPANY, '');
  // "Qual o endereço da empresa?" asks about the company itself: keep it when nothing else would be named
  const question = stripped === typed || names(stripped) ? stripped : typed;
  const f = ` ${fold(question).replace(/\be-mails?\b/g, 'email').replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  const has = (re: RegExp) => re.test(f);
  let type: AnswerType;
  if (has(/ (por que|porque|por qual motivo|qual (e )?o motivo|why) /)) type = 'reason';
  else if (has(/ (quem|who|whom) /)) type = 'person';
  else if (has(/ (onde|aonde|where) | em que (lugar|local|sala|andar|cidade|predio|pais|estado) /)) type = 'place';
  else if (has(/ (quando|when) | (qual|quais) (e |sao )?(o |a |os |as )?(prazo|prazos|data|datas|horario|horarios|dia|periodo|frequencia) | que horas | em (que|qual) (ano|dia|mes|data|epoca|seculo|decada) | ate quando | de quanto em quanto /))
    type = 'time';
  else if (has(/ (quant[oa]s?|how (much|many)) | (qual|quais) (e |sao )?(o |a |os |as )?(valor|valores|preco|precos|custo|taxa|limite|teto|maximo|minimo|numero|quantidade|total|percentual|porcentagem|percentagem) /))
    type = 'amount';
  else if (has(/ (como|how) | o que (eu |a gente |se |nos )?(faco|fazer|devo|preciso|precisa|tenho que|fazemos) | (qual|quais) (e |sao )?(o |os )?(procedimento|passo|passos|processo) /))
    type = 'instruction';
  else if (has(/ o que (e|sao|significa|quer dizer) | what (is|are) | (defina|definicao) /)) type = 'definition';
  else if (!has(/ (qual|quais|quanto|quanta|quantos|quantas|como|onde|aonde|quando|quem|que|what|which|who|whom|when|where|why|how) /)) type = 'yesno';
  else type = 'open';

  // "quanto tempo demora / dura / leva": the verb asks for the duration, as "prazo" does
  const durationVerb = has(/ quanto tempo | how long /);
  const terms: QuestionTerm[] = [];
  const written = [...question.matchAll(/[\p{L}\p{N}]+/gu)];
  for (const w of words(question)) {
    if (w.stop || SCAFFOLDING.has(w.word)) continue;
    const token = written[w.pos];
    if (terms.some((t) => t.stem === w.stem)) continue;
    const alias = ORDINALS[w.word] ?? CARDINALS[w.word];
    const synonyms = synonymsOf(w.word);
    const kind = TYPE_NOUNS[w.word] ?? (durationVerb && DURATION_VERBS.has(w.word) ? 'time' : undefined);
    terms.push({
      stem: w.stem,
      word: w.word,
      ...(kind ? { kind } : {}),
      ...(alias ? { alias } : {}),
      ...(synonyms.length ? { synonyms } : {}),
      ...(token && isProper(token[0], question.slice(0, token.index)) ? { proper: true } : {}),
    });
  }
  const wh = f.match(/ (qual|quais|quanto|quanta|quantos|quantas|como|onde|quando|quem) /g)?.length ?? 0;
  const several = has(/ (liste|listar|enumere|cite|quais (sao|os|as)) /) || wh >= 2 || (question.match(/\?/g)?.length ?? 0) >= 2;
  let unit: QuestionAnalysis['unit'];
  if (type === 'amount') {
    if (has(/ quanto tempo | quant[oa]s (dias|horas|minutos|meses|anos|semanas|noites) | how long /)) unit = 'duration';
    // "quantas parcelas" counts; "quanto custa", "qual o valor" want money
    else if (!has(/ quant[oa]s (?!reais)\w+ /) && has(/ (custa|custam|custo|preco|precos|valor|valores|sai|saem|pago|pagamos|paga|pagam|ganho|ganha|ganham|recebo|recebe|recebem|reembolso|reembolsa|dinheiro|reais|how much does) | quanto (e|sao|fica|ficam) /))
      unit = 'money';
  }
  if (type === 'time' && has(/ de quanto em quanto | a cada quanto | com (que|qual) frequencia | quantas vezes (por|ao|no|na) | qual (e )?a (frequencia|periodicidade) | how often /)) unit = 'frequency';
  else if (type === 'time' && has(/ (em |de |a partir de |desde |ate )?(que|qual) (ano|seculo|decada) | what year /)) unit = 'year';
  // "até que horas", "qual o horário": a time of day ("das 8h às 20h"), not a date or a weekday alone
  else if (type === 'time' && has(/ que horas | (qual|quais) (e |sao )?(o |os )?horarios? | what time /)) unit = 'clock';
  const counted = type === 'amount' && !unit ? f.match(/ quant[oa]s (\p{L}{3,}) /u)?.[1] : undefined;
  const countRoots = counted && !SCAFFOLDING.has(counted) && !TYPE_NOUNS[counted] ? roots(counted) : undefined;
  const countedMeasure = counted ? measureOf(counted) : undefined;
  // the question (or one of its sentences) starts with it: "categorizada como gênero" is not asking how
  const howDoI = type === 'instruction' && /(?:^|[?.!]\s*)como (?:e que )?(?:eu |a gente )?(?:faco|peco|posso|devo|consigo|tenho|preciso|\p{L}{3,}(?:o|go|co))\b/u.test(fold(question).trim());
  const slotNoun = type === 'open' ? f.match(/ (?:qual|quais|que) (?:e |sao )?(?:o |a |os |as )?(\p{L}{4,}) /u)?.[1] : undefined;
  const slot = slotNoun && !TYPE_NOUNS[slotNoun] && !SCAFFOLDING.has(slotNoun) ? slotNoun : undefined;
  // the noun or one that says the same ("em qual sistema" / "no módulo Rota"), as prefixes that take any inflection
  const slotRoots = slot ? roots(slot) : undefined;
  // "qual a temperatura do forno": the answer gives the measure ("a 200 °C") without the word, as "prazo" is given by a date
  // (and a window without such a measure does not answer: "Qual a distância de Campinas até São Paulo?")
  const slotMeasure = slot ? SLOT_MEASURES.find(([nouns]) => nouns.test(slot))?.[1] : undefined;
  if (slotMeasure) for (const t of terms) if (t.word === slot) t.kind = 'amount';
  // the phrase is read within one sentence of the question: "Onde fica o formulário? <more text>" names no more than it
  const clauses = ` ${fold(question).replace(/\be-mails?\b/g, 'email').replace(/[?!.;:]+/g, ' | ').replace(/[^\p{L}\p{N}|]+/gu, ' ')} `;
  const head = headPhrase(clauses, terms, howDoI);
  const measure = countedMeasure ?? slotMeasure;
  return { type, terms, several, ...(unit ? { unit } : {}), ...(countRoots ? { countRoots } : {}), ...(measure ? { measure } : {}), ...(howDoI ? { howDoI } : {}), ...(slot ? { slot, slotRoots } : {}), ...(head ? { head } : {}) };
}

/**
 * "qual (é) o X de Y", "quem é o X do Y": the "de" complements Y of the noun X asked about (a word that may follow
 * each, as in "do Wi-Fi", "do celular corporativo"). X itself is often the attribute wanted ("o telefone da
 * assistência", "a nacionalidade do antropólogo"), which the answer gives without naming; Y says whose it is.
 */
const HEAD_PHRASE = / (?:(?:qual|quais) (?:e |sao |foi |era |eram )?(?:o|a|os|as)|quem (?:e|sao|foi|era|eram) (?:o|a|os|as)) \p{L}+((?: (?:de|do|da|dos|das) \p{L}+(?: (?!(?:de|do|da|dos|das|em|no|na|nos|nas|que|para|por|com|e|ou) )\p{L}+)?)+) /u;

/** "como faço para pedir aumento de salário", "como configuro o e-mail do celular": the thing to act on, with its complements. */
const ACTED_ON = / como (?:e que )?(?:eu |a gente )?(?:(?:faco|posso|devo|consigo|preciso|tenho que) (?:para |pra )?)?\p{L}+ (?:o |a |os |as |um |uma |meu |minha |meus |minhas )?(\p{L}+(?: (?:de|do|da|dos|das) \p{L}+)*) /u;

/** "quando começa o plantão de fim de semana", "onde fica o time comercial": the thing the time or place is asked of, with its complements. */
const MODIFIER = String.raw`(?: (?!(?:de|do|da|dos|das|em|no|na|nos|nas|que|para|por|com|e|ou) )\p{L}+)?`;
const SUBJECT_PHRASE = new RegExp(String.raw` (?:quando|onde|aonde) (?:e que )?\p{L}+ (?:o|a|os|as) (\p{L}+${MODIFIER}(?: (?:de|do|da|dos|das) \p{L}+${MODIFIER})*) `, 'u');

function headPhrase(f: string, terms: QuestionTerm[], howDoI: boolean): string[] | undefined {
  const phrase = (howDoI ? f.match(ACTED_ON)?.[1] : undefined) ?? f.match(HEAD_PHRASE)?.[1] ?? f.match(SUBJECT_PHRASE)?.[1];
  if (!phrase) return undefined;
  const inPhrase = new Set(phrase.trim().split(' '));
  const head = terms.filter((t) => !t.kind && !verbLike(t.word) && inPhrase.has(t.word)).map((t) => t.word);
  return head.length ? head : undefined;
}

/** Whether a question names something beyond interrogatives, scaffolding and answer-type nouns. */
function names(question: string): boolean {
  return words(question).some((w) => !w.stop && !SCAFFOLDING.has(w.word) && !TYPE_NOUNS[w.word]);
}

/** A noun and the words that say the same, as prefixes that take any inflection ("sistem", "modu"). */
function roots(noun: string): string[] {
  return [noun, ...synonymsOf(noun)].map((w) => fold(w).slice(0, Math.max(4, w.length - 2)));
}

/** An acronym ("PLR"), a code ("E7") or a capitalized word that does not open a sentence ("Netflix"). */
function isProper(token: string, before: string): boolean {
  if (/\p{Lu}.*\p{Lu}/u.test(token) || (/\p{L}/u.test(token) && /\d/.test(token))) return true;
  return /^\p{Lu}/u.test(token) && /[\p{L}\p{N},;:)"'»]\s*$/u.test(before);
}

interface Sentence {
  n: number;
  position: number;
  /** The line as read (character references decoded: "Destiny&#39;s" is "Destiny's"). */
  text: string;
  /** The line as the passage writes it, which the answer quotes (citations are checked against the passage). */
  quote: string;
  words: Word[];
  /** Terms of the heading / FAQ question line above it and of the passage title (the document's subject). */
  context: Context[];
  quotable: boolean;
  /** A record's "campo: valor; campo: valor; …" line (a CSV or JSON row), field by field, as quoted. */
  fields?: Array<{ text: string; words: Word[] }>;
  /** While ranking: which fields hold a term of the question. */
  fieldHits?: boolean[];
  /** The quotable text folded (lowercase, no accents), for the answer-kind patterns. */
  folded?: string;
  entities?: Set<EntityKind>;
  cues?: Cues;
  /** While ranking: position of each question term's first match (-1: none), and the count of other content words. */
  hits?: number[];
  fresh?: number;
  /** While ranking: each term's credit from the context (heading, subject) as evidence, and as ranking credit. */
  credits?: number[];
  ranking?: number[];
}

/**
 * A line's context: the heading above it, or the document's subject (its title, and the short lines under the title
 * that name what the document is about: "Produto: Pão de queijo mineiro"). The subject holds for every line of its
 * document: ranking the lines of one document, a term of the subject is no reason to prefer the line that repeats it
 * ("Prefeitura Municipal de Serra Clara." / "Ouvidor-geral: Rodrigo …" for "quem é o ouvidor de Serra Clara"). As
 * evidence that the documents answer, it counts only TITLE_CREDIT: naming the document's subject is not naming the fact.
 */
interface Context {
  words: Word[];
  credit: number;
  subject?: boolean;
}

interface Scored {
  sentences: Sentence[];
  coverage: number;
  score: number;
  /** Whether the window holds the kind of answer asked (0..1). */
  typeFit: number;
  /** Named terms of the question the window (with its heading) leaves out; answer-type nouns and verbs no passage has don't count. */
  missing: number;
  /** Those terms (for eval:explain). */
  missed: QuestionTerm[];
  /** The factors of the score (for eval:explain). */
  parts?: Record<string, number>;
}

let explaining = false;

/** `eval:explain --dump`: windows carry the factors of their score (`parts`); off in the service (an object per window). */
export function explainWindowParts(on: boolean): void {
  explaining = on;
}

/** Picks the sentences that answer `question`, in reading order; empty when none covers `minSupport` of it. */
export function selectSentences(question: string, passages: GroundingPassage[], opts: ExtractiveOptions): ExtractedSentence[] {
  const best = rankWindows(question, passages);
  const analysis = analyzeQuestion(question);
  const enough = (w: Scored) => w.coverage >= requiredSupport(analysis, opts, w.missing, w.missed);
  // the best window covers too little of the question, leaving out a thing it names ("Em quantos dias o reembolso é
  // pago?" / the holiday pay "é pago até dois dias antes"): a window that holds every thing named, leaving out only the
  // question's verbs, answers (the documents say the act otherwise: "são reembolsadas em até 15 dias úteis")
  let top = best.length && enough(best[0]) ? best[0] : best.find((w) => enough(w) && w.missed.every((t) => verbLike(t.word)));
  if (!top) return [];
  const named = analysis.terms.filter((t) => !t.kind).length;
  // "Como configuro o e-mail no iPhone?" is not answered by a sentence that gives no step nor means
  if (analysis.howDoI && top.typeFit === 0) return [];
  // a short question for one kind of amount (a price, a duration, a count of X) is answered only by a window
  // holding one: "Qual o valor da PLR?" is not answered by when the PLR is paid
  // ("Qual o prazo de garantia do notebook?" is not answered by who manages the warranty)
  const wantsKind = analysis.unit === 'money' || analysis.unit === 'duration' || !!analysis.countRoots;
  // however long the question, "quantos gramas" is answered in grams ("120 ml" is another measure)
  if ((analysis.measure && top.typeFit < 1) || (named <= 2 && ((wantsKind && top.typeFit < 1) || (top.typeFit === 0 && FIT_REQUIRED.has(analysis.type))))) {
    const fitting = best.find((w) => w.typeFit === 1 && w.coverage >= requiredSupport(analysis, opts, w.missing, w.missed));
    if (!fitting) return [];
    top = fitting;
  }
  // "qual o e-mail / telefone / site …" is answered by a window that writes one, when any covering window does
  if (top.typeFit < 1 && contactForm(analysis)) top = best.find((w) => w.typeFit === 1 && enough(w)) ?? top;
  // "Qual a senha do Wi-Fi da diretoria?" is not answered by the visitors' Wi-Fi password: a window that leaves out a
  // word of the phrase asked about answers another thing
  if (analysis.head && named <= 4 && top.missed.some((t) => analysis.head!.includes(t.word))) {
    const whole = best.find((w) => w.coverage >= requiredSupport(analysis, opts, w.missing, w.missed) && !w.missed.some((t) => analysis.head!.includes(t.word)));
    if (!whole) return [];
    top = whole;
  }
  // a short question about a name no retrieved passage writes ("o erro E7"): the documents are about something
  // else. In a long question such a name is one detail among several, often spelled otherwise by the documents.
  if (named <= 3 && top.missed.some((t) => t.proper && !t.matching?.size)) return [];
  // two or more of the things a question names appear in no retrieved passage, nor a word of their family: the
  // documents speak of the question's setting ("a prefeitura", "o aplicativo"), not of what it asks
  // (the counted noun of "quantos mililitros" is written as its unit, "120 ml")
  const unseen = top.missed.filter((t) => !verbLike(t.word) && !t.matching?.size && !analysis.countRoots?.some((r) => t.word.startsWith(r)));
  if (unseen.length >= UNSEEN_NAMED && unseen.length * UNSEEN_SHARE >= named) return [];
  const chosen: Scored[] = [trimPair(top, best, analysis)];
  if (analysis.several) {
    for (const w of best.filter((x) => x !== top)) {
      if (chosen.reduce((k, c) => k + c.sentences.length, 0) + w.sentences.length > opts.maxSentences) continue;
      if (w.coverage < opts.minSupport || w.score < top.score * 0.75) continue;
      if (chosen.some((c) => c.sentences.some((s) => w.sentences.includes(s)))) continue;
      chosen.push(w);
    }
  }
  const tied = analysis.several ? undefined : tiedAnswer(analysis, chosen[0], best, opts);
  if (tied) chosen.push(tied);
  return chosen
    .flatMap((w) => w.sentences.map((s) => ({ n: s.n, text: s.fields ? recordAnswer(s, analysis) : s.quote, position: s.position, score: round(w.coverage) })))
    .slice(0, Math.max(1, opts.maxSentences))
    .sort((a, b) => a.n - b.n || a.position - b.position);
}

/** A question naming this many things no passage writes, and at least 1 / UNSEEN_SHARE of what it names, is refused. */
const UNSEEN_NAMED = 2;
const UNSEEN_SHARE = 3;
/** A factoid question: the answer is one date, amount, person or place, which a sentence visibly holds or not. */
const FACTOID = new Set<AnswerType>(['time', 'amount', 'person', 'place']);
/** A second sentence of the asked kind scoring at least this share of the chosen one is quoted beside it. */
const TIE = 0.8;
/**
 * "Qual X…", "Que X…": the words say nothing of the answer's kind, so nothing tells two sentences of the passage apart
 * but their score; a runner-up of the chosen sentence's passage scoring at least this share of it is quoted beside it
 * (swept 0.5-0.8 on SQuAD-pt dev and office: about one added sentence in six holds the answer the first one lacked).
 */
const OPEN_TIE = 0.7;
/**
 * The chosen sentence lacks the kind of answer asked (no date for "quando", no name for "quem"): a sentence of its
 * passage that holds it and scores at least this share of it is quoted beside it, the user reading both.
 */
const KIND_TIE = 0.3;
/** The two tied sentences together stay within this many characters (the answer-length budget). */
const TIED_CHARS = 400;

/**
 * A second sentence of the chosen one's passage, each with its own citation, as long as together they stay short
 * (TIED_CHARS), when the words alone cannot tell which of the two answers:
 * - "Quando…", "Quantos…", "Quem…", "Onde…": another sentence also holds the kind of answer asked (a date, a number,
 *   a name, a place) and scores nearly as well (TIE);
 * - the chosen sentence lacks the kind asked and another one holds it, scoring at least KIND_TIE of it;
 * - "Qual X…" (the kind is not known): the runner-up scores at least OPEN_TIE of it.
 */
function tiedAnswer(q: QuestionAnalysis, top: Scored, all: Scored[], opts: ExtractiveOptions): Scored | undefined {
  if (opts.maxSentences < top.sentences.length + 1) return undefined;
  // the heading above names what the question asks ("PRÓXIMA REUNIÃO"): the line under it is the answer
  const first = top.sentences[0];
  if (first.hits!.some((h, i) => h < 0 && !top.sentences.some((s) => s.hits![i] >= 0) && first.credits![i] > TITLE_CREDIT)) return undefined;
  const chars = top.sentences.reduce((k, s) => k + s.quote.length + 1, 0);
  const beside = (w: Scored) =>
    w.sentences.length === 1 &&
    // from the chosen sentence's own passage: another passage's sentence is added only when several things are asked
    w.sentences[0].n === first.n &&
    !top.sentences.includes(w.sentences[0]) &&
    w.coverage >= opts.minSupport &&
    chars + w.sentences[0].quote.length <= TIED_CHARS;
  const factoid = FACTOID.has(q.type)
    ? all.find(
        (w) =>
          beside(w) &&
          w.typeFit === 1 &&
          w.score >= top.score * TIE &&
          // it leaves out nothing the chosen sentence holds ("Criar uma parceria…" does not say "tirotricina")
          w.missed.every((t) => top.missed.includes(t)),
      )
    : undefined;
  if (factoid || top.sentences.length > 1) return factoid;
  // the chosen sentence lacks the kind asked (or, for "qual X", does not name an X): the passage's sentence that holds it
  const kinded = top.typeFit < 1 ? all.find((w) => beside(w) && w.typeFit > top.typeFit && w.score >= top.score * KIND_TIE) : undefined;
  if (kinded) return kinded;
  // a runner-up that fits less than the chosen one ("qual o e-mail" / a sentence that writes none) is told apart
  return q.type === 'open' ? all.find((w) => beside(w) && w.typeFit >= top.typeFit && w.score >= top.score * OPEN_TIE) : undefined;
}

/**
 * A short question names few things, and each is decisive ("Qual o valor do vale-transporte?": the one
 * word missing is the whole question); a long one is covered in part by the sentence that answers it.
 */
export function requiredSupport(q: QuestionAnalysis, opts: ExtractiveOptions, missing = 1, missed: QuestionTerm[] = []): number {
  const named = q.terms.filter((t) => !t.kind).length;
  // a window that holds (or sits under a heading holding) every thing the question names needs only the base share
  if (missing === 0) return opts.minSupport;
  // a window that leaves out only the question's verbs holds what it names: the documents say the act otherwise
  // ("Quando foi criada a tirotricina?" / "Dubos relatou a descoberta … da tirotricina")
  if (missed.length > 0 && missed.every((t) => verbLike(t.word))) return opts.minSupport;
  return Math.min(0.9, opts.minSupport + (opts.shortQuestionStep ?? 0) * Math.max(0, 4 - named));
}

const CONTINUES = /^(?:ele|ela|eles|elas|isso|isto|esse|essa|este|esta|nesse|nessa|neste|nesta|depois|em seguida|também|além disso|para isso|caso|assim|então|porém|mas|no entanto|it|this|they|he|she)\b/i;

/**
 * Two adjacent sentences are quoted together only when the second continues the first (a pronoun, a
 * connective) or the first introduces it (ends with ":"); otherwise the better one of the two alone.
 */
function trimPair(w: Scored, all: Scored[], q: QuestionAnalysis): Scored {
  if (w.sentences.length < 2) return w;
  const [a, b] = w.sentences;
  if (/:$/.test(a.text) || CONTINUES.test(b.text)) return w;
  // the better of the two alone: the one that leaves out fewest of the question's terms, then (asked how to do
  // something) one that gives a step or where it is done over one that gives neither ("O pedido de reembolso é feito
  // no portal…", not "Despesas sem nota fiscal não são reembolsadas."), then the one that covers more of the question
  // ("PRÓXIMA REUNIÃO" / "9 de abril…", not the next line that only says "reunião"), then the better ranked
  const singles = [a, b].map((x) => all.find((y) => y.sentences.length === 1 && y.sentences[0] === x)).filter((x): x is Scored => !!x);
  const single = singles.sort((x, y) => x.missing - y.missing || (q.howDoI ? Number(y.typeFit > 0) - Number(x.typeFit > 0) : 0) || round(y.coverage - x.coverage) || y.score - x.score)[0];
  // one sentence holds the question's terms, the next the kind of answer asked: both are the answer
  if (!single || (single.typeFit < 1 && w.typeFit === 1)) return w;
  // the next sentence holds what the first leaves out of the question ("…dois fatores é obrigatória." "O único aplicativo aceito é…")
  if (w.missing < single.missing && single.sentences[0] === a) return w;
  return { ...single, coverage: w.coverage };
}

/** Evidence that the passages answer the question: the best window's weighted coverage of its content (0..1). */
export function answerEvidence(question: string, passages: GroundingPassage[]): number {
  const best = rankWindows(question, passages);
  return best.length ? round(best[0].coverage) : 0;
}

/** The last rankings: the ask use case (evidence) and the extractive answerer rank the same passages once. */
const memo = new Map<string, Scored[]>();

/** Candidate windows (one sentence, or two adjacent ones of a passage), best first. */
export function rankWindows(question: string, passages: GroundingPassage[]): Scored[] {
  const key = `${question}\u0001${passages.map((p) => `${p.n}\u0002${p.start ?? ''}\u0002${p.documentId ?? ''}\u0002${p.title ?? ''}\u0002${p.heading ?? ''}\u0002${p.text}`).join('\u0003')}`;
  const known = memo.get(key);
  if (known) return known;
  const ranked = rank(question, passages);
  memo.set(key, ranked);
  if (memo.size > 16) memo.delete(memo.keys().next().value!);
  return ranked;
}

function rank(question: string, passages: GroundingPassage[]): Scored[] {
  const q = analyzeQuestion(question);
  if (q.terms.length === 0) return [];
  const all = splitPassages(passages);
  const quotable = all.filter((s) => s.quotable);
  if (quotable.length === 0) return [];

  // which words of the passages each term matches, decided once per distinct word
  const vocabulary = new Map<string, Word>();
  for (const s of all) {
    for (const w of s.words) vocabulary.set(w.word, w);
    for (const c of s.context) for (const w of c.words) vocabulary.set(w.word, w);
  }
  const matching = q.terms.map((t) => new Set([...vocabulary.values()].filter((w) => matches(t, w)).map((w) => w.word)));
  q.terms.forEach((t, i) => (t.matching = matching[i]));
  // local IDF over every line of the passages (headings included): a term no passage has weighs most
  const df = matching.map((m) => all.filter((s) => s.words.some((w) => m.has(w.word))).length);
  const n = all.length;
  // a conjugated verb no passage has ("quebrou", "ganho") is how the user says it, not a topic the documents lack
  const optional = q.terms.map((t, i) => !!t.kind || (df[i] === 0 && verbLike(t.word)));
  const weight = q.terms.map((t, i) => Math.log(1 + (n + 1) / (df[i] + 0.5)) * (t.kind ? TYPE_NOUN_WEIGHT : optional[i] ? UNSEEN_VERB_WEIGHT : 1));
  const total = weight.reduce((a, b) => a + b, 0);

  // per sentence, once: where each term first occurs, and how many of its words are not the question's
  for (const s of quotable) {
    s.hits = matching.map((m) => s.words.find((w) => m.has(w.word))?.pos ?? -1);
    s.fresh = s.words.filter((w) => !w.stop && !matching.some((m) => m.has(w.word))).length;
    const held = matching.map((m) => s.context.filter((c) => c.words.some((w) => m.has(w.word))));
    s.credits = held.map((cs) => Math.max(0, ...cs.map((c) => c.credit)));
    if (s.fields) s.fieldHits = s.fields.map((f) => f.words.some((w) => matching.some((m) => m.has(w.word))));
    s.ranking = held.map((cs) => Math.max(0, ...cs.map((c) => (c.subject ? SUBJECT_CREDIT : c.credit))));
  }
  const windows: Sentence[][] = [];
  quotable.forEach((s, i) => {
    windows.push([s]);
    const next = quotable[i + 1];
    if (next && next.n === s.n && next.position === s.position + 1) windows.push([s, next]);
  });
  const scored = windows.map((win) => scoreWindow(win, q, weight, total, optional));
  return scored.sort((a, b) => b.score - a.score || a.sentences[0].n - b.sentences[0].n || a.sentences[0].position - b.sentences[0].position);
}

function scoreWindow(win: Sentence[], q: QuestionAnalysis, weight: number[], total: number, optional: boolean[]): Scored {
  const own = win.length === 1 ? win[0].words : win.flatMap((s) => s.words);
  const entities = win.length === 1 ? sentenceEntities(win[0]) : new Set(win.flatMap((s) => [...sentenceEntities(s)]));
  let covered = 0;
  // the same, with the document's subject held by every line (it orders the windows; `covered` is the evidence)
  let ranked = 0;
  let missing = 0;
  const missed: QuestionTerm[] = [];
  const positions: number[] = [];
  q.terms.forEach((t, i) => {
    const at = win[0].hits![i] >= 0 ? win[0].hits![i] : win.length > 1 && win[1].hits![i] >= 0 ? win[1].hits![i] + 1000 : -1;
    if (at >= 0) {
      covered += weight[i];
      ranked += weight[i];
      positions.push(at);
      return;
    }
    // "quanto tempo demora": a duration, not any number
    if (t.kind && entities.has(t.kind) && (t.kind !== 'time' || q.unit !== 'duration' || win.some((s) => DURATION.test(s.folded!)))) {
      covered += weight[i];
      ranked += weight[i];
      return;
    }
    const credit = win[0].credits![i];
    covered += weight[i] * credit;
    ranked += weight[i] * win[0].ranking![i];
    if (credit < 0.5 && !optional[i]) {
      missing++;
      missed.push(t);
    }
  });
  const coverage = total > 0 ? covered / total : 0;
  const held = total > 0 ? ranked / total : 0;
  const verbHit = q.terms.some((t, i) => !t.kind && win.some((x) => x.hits![i] >= 0));
  const typeFit = fitsType(q, win, entities, verbHit);
  // proximity: matched terms close together inside the window
  const sorted = positions.sort((a, b) => a - b);
  const span = sorted.length > 1 ? sorted[sorted.length - 1] - sorted[0] : 0;
  const proximity = sorted.length > 1 ? Math.min(1, sorted.length / (span + 1)) * (span > 500 ? 0.5 : 1) : sorted.length * 0.5;
  const rank = 1 / (1 + 0.15 * (win[0].n - 1));
  // a window that only restates the question (few words of its own) answers nothing
  const fresh = win.reduce((k, x) => k + x.fresh!, 0);
  const restates = fresh < 2 && typeFit < 1 ? 0.5 : 1;
  // "Esta política orienta como solicitar…" introduces the document and covers every question about it
  const meta = META.exec(win[0].text);
  const intro = meta && !q.terms.some((t) => t.word === fold(meta[2])) ? 0.6 : 1;
  const length = own.length;
  const brevity = length > 80 ? 0.7 : length > 45 ? 0.85 : 1;
  const pair = win.length > 1 ? 0.93 : 1;
  // coverage decides; the answer type, the passage's retrieval rank and proximity order the windows that cover alike
  const score = held * (0.3 + 0.3 * typeFit + 0.1 * proximity + 0.6 * rank) * restates * intro * brevity * pair * Math.pow(MISS_FACTOR, missing);
  const scored: Scored = { sentences: win, coverage, score, typeFit, missing, missed };
  if (explaining) scored.parts = { proximity, rank, restates, intro, brevity, pair, length, fresh };
  return scored;
}

function matches(t: QuestionTerm, w: Word): boolean {
  // the stem is cut at 6 letters: past that, "funcionários" and "funcionamento" share one and are not a family
  const sameStem = w.stem === t.stem && (t.word.length <= 7 || w.word.length <= 7 || sameFamily(t.word, w.word));
  return sameStem || w.word === t.alias || (!w.stop && (sameFamily(t.word, w.word) || sameWord(t.word, w.word) || (!!t.synonyms && isSynonym(t.synonyms, w.word))));
}

/** A passage's lines, classified and split into words: the same chunks come back query after query. */
const passageCache = new Map<string, Split>();

function splitPassages(passages: GroundingPassage[]): Sentence[] {
  // a passage that continues another one retrieved from the same document (the chunker cut a section, a list)
  // starts under that passage's last heading: in document order, each passage hands its state to the next
  const split = new Map<GroundingPassage, Split>();
  const doc = (p: GroundingPassage) => p.documentId ?? p.title ?? '';
  const ordered = [...passages].sort((a, b) => (doc(a) < doc(b) ? -1 : doc(a) > doc(b) ? 1 : (a.start ?? 0) - (b.start ?? 0)));
  ordered.forEach((p, i) => {
    const before = ordered[i - 1];
    // offsets are into the text as submitted, passages hold it normalized (and perhaps masked): where the later one
    // starts inside the earlier is found by its opening words; without overlap it must start right after it
    const opening = before && p.text.trimStart().slice(0, 40);
    const within = before && opening ? before.text.lastIndexOf(opening) : -1;
    const continues =
      before && p.start !== undefined && before.start !== undefined && doc(before) === doc(p) && p.start > before.start &&
      (within > 0 || p.start <= before.start + before.text.length + 3);
    // the state where this passage starts inside the earlier one (chunks overlap), or where the earlier one ends
    const at = within > 0 ? within : before?.text.length ?? 0;
    // otherwise the heading ingestion kept for its chunk, read as one line up
    const carry = continues
      ? split.get(before)!.states.filter((c) => c.at <= at).pop()
      : p.heading && (p.start ?? 0) > 0
        ? { at: 0, heading: words(decodeEntities(p.heading)), sinceHeading: 1, listed: false }
        : undefined;
    const from = carry ? `${(carry.heading ?? []).map((w) => w.word).join(' ')}|${carry.sinceHeading}|${(carry.lead ?? []).map((w) => w.word).join(' ')}|${carry.listed}` : '';
    const key = `${p.start ?? ''}\u0001${p.title ?? ''}\u0001${from}\u0001${p.text}`;
    let done = passageCache.get(key);
    if (!done) {
      done = splitPassage(p, carry);
      passageCache.set(key, done);
      if (passageCache.size > 2000) passageCache.delete(passageCache.keys().next().value!);
    }
    split.set(p, done);
  });
  // the subject lines under a document's title, read in its opening passage, hold for its every passage
  const subjects = new Map<string, Context>();
  for (const p of passages) {
    const lines = split.get(p)!.subject;
    if (lines?.length && !(p.start ?? 0)) subjects.set(doc(p), { words: lines, credit: TITLE_CREDIT, subject: true });
  }
  // fresh objects: the per-question fields (hits, fresh) are written on them
  return passages.flatMap((p) => {
    const subject = subjects.get(doc(p));
    return split.get(p)!.lines.map((l) => ({ ...l, n: p.n, ...(subject && l.quotable ? { context: [...l.context, subject] } : {}) }));
  });
}

/** Where a passage leaves off: the heading it ends under, how far below it, and an open list's lead-in. */
interface Carry {
  /** Offset in the passage of the sentence this state is read before. */
  at: number;
  heading?: Word[];
  sinceHeading: number;
  lead?: Word[];
  listed: boolean;
}

interface Split {
  lines: Sentence[];
  /** At a document's start, the words of the short lines under its title that name its subject ("Produto: Pão de queijo"). */
  subject?: Word[];
  /** The state before each sentence, and after the last. */
  states: Carry[];
}

function splitPassage(p: GroundingPassage, from?: Carry): Split {
  const out: Sentence[] = [];
  // a title that asks ("Recebi um e-mail suspeito. Como reporto?", an FAQ row's question) is what the lines answer, not a subject they share
  const title: Context[] = p.title ? [{ words: words(decodeEntities(p.title)), credit: TITLE_CREDIT, ...(/\?\s*$/.test(p.title) ? {} : { subject: true }) }] : [];
  let heading: Word[] | undefined = from?.heading;
  let previous = 'text';
  let sinceHeading = from?.sinceHeading ?? 0;
  // a table: its header row and the heading above it speak for every row, however far down
  let table: { header: Word[]; heading?: Word[]; lead?: Word[] } | undefined;
  // the sentence that introduces a table or list ("…os limites por noite abaixo:")
  let lead: Word[] | undefined = from?.lead;
  let end = 0;
  let listed = from?.listed ?? false;
  const states: Carry[] = [];
  // the document opens with a title line: the short lines right under it, without figures, name its subject
  let subject: Word[] | undefined;
  let opening = !(p.start ?? 0);
  const state = (at: number): Carry => ({
    at,
    heading,
    sinceHeading,
    lead,
    listed,
  });
  const lines = sentences(p.text);
  // a plain-text table lined up by spaces: two or more consecutive lines split into cells alike
  const aligned = lines.map((l) => alignedCells(l.text));
  const rows = aligned.map((cells, i) => (cells && (aligned[i - 1]?.length === cells.length || aligned[i + 1]?.length === cells.length) ? cells : undefined));
  lines.forEach((s, i) => {
    states.push(state(s.start));
    // HTML character references ("&quot;", "&#39;") are read as the characters they stand for: "39" is no number
    const line = decodeEntities(s.text);
    // a heading governs its section by lines: a paragraph's sentences, and a list's items after the line that introduces them, are one step
    const newLine = i === 0 || p.text.slice(end, s.start).includes('\n');
    end = s.start + s.text.length;
    // rules ("=====", "-----") frame headings in plain text: they are layout, not lines under the heading
    if (isLayout(line)) return;
    const item = /^\s*(?:[-*•]|\d{1,2}[.)])\s/.test(line);
    const sibling = item && (listed || !!lead);
    listed = item;
    const ws = withAcronyms(line, words(line));
    const row = tableCells(line) ?? rows[i];
    if (row) {
      if (row.length === 0) return; // the |---|---| rule under a header
      if (!table) {
        // a passage cut inside a table starts with a body row: only a row of labels (no digits) is a header
        table = { header: /\d/.test(line) ? [] : ws, heading, lead };
        if (table.header.length) {
          out.push({ n: p.n, position: i, text: line, quote: s.text, words: ws, context: title, quotable: false });
          return;
        }
      }
      const context = [table.header, table.heading, table.lead].filter((c): c is Word[] => !!c?.length).map((c) => ({ words: c, credit: HEADING_CREDIT }));
      context.push(...title);
      const text = rowText(row);
      const folded = fold(text);
      out.push({ n: p.n, position: i, text, quote: withoutEmphasis(rowText(tableCells(s.text) ?? row)), words: ws, context, quotable: true, folded, entities: entityKinds(text), cues: cues(ws, folded) });
      return;
    }
    table = undefined;
    const kind = lineKind(line, i === 0 && (p.start ?? 0) > 0);
    if (opening && i > 0) {
      opening = kind === 'text' && newLine && !/\d/.test(line) && ws.length > 0 && line.split(/\s+/).length <= SUBJECT_WORDS;
      if (opening) subject = [...(subject ?? []), ...ws];
    } else if (opening && kind !== 'heading') opening = false;
    // consecutive heading / question lines ("## Meu notebook quebrou." "O que eu faço?") are one heading
    if (kind === 'heading' || kind === 'question') heading = previous === 'heading' ? [...heading!, ...ws] : ws;
    previous = kind === 'question' ? 'heading' : kind;
    sinceHeading = previous === 'heading' ? 0 : newLine && !sibling ? sinceHeading + 1 : Math.max(1, sinceHeading);
    // the heading speaks for the lines right under it: the first answers it, later ones less and less
    const credit = HEADING_CREDIT * Math.pow(0.75, Math.max(0, sinceHeading - 1));
    const context = heading && kind === 'text' ? [{ words: heading, credit }, ...title] : title;
    const text = cleanLine(line);
    const quotable = kind === 'text' && ws.length > 0;
    lead = kind === 'text' && /:$/.test(text) ? ws : undefined;
    const folded = quotable ? fold(text) : undefined;
    const quote = cleanLine(s.text);
    const fields = quotable ? recordFields(quote) : undefined;
    out.push({ n: p.n, position: i, text, quote, words: ws, context, quotable, ...(folded !== undefined ? { folded, entities: entityKinds(text), cues: cues(ws, folded) } : {}), ...(fields ? { fields } : {}) });
  });
  states.push(state(p.text.length));
  return { lines: out, states, ...(subject ? { subject } : {}) };
}

/**
 * Hyphenated compounds are also known by their initials ("vale-refeição" is the "VR", "vale-transporte"
 * the "VT") and written without the hyphen ("wifi"): both are added as words at the compound's position.
 */
function withAcronyms(text: string, ws: Word[]): Word[] {
  const folded = fold(text);
  const extra: Word[] = [];
  const at = (index: number) => {
    const first = words(folded.slice(0, index)).length;
    return ws[first]?.pos ?? first;
  };
  // "vale-refeição" is also "VR"
  for (const m of folded.matchAll(/\b(\p{L})\p{L}+-(\p{L})\p{L}+(?:-(\p{L})\p{L}+)?\b/gu)) {
    const word = m.slice(1).filter(Boolean).join('');
    extra.push({ word, stem: word, pos: at(m.index!), stop: false });
  }
  // "Wi-Fi", "e-mail" are also written "wifi", "email"
  for (const m of folded.matchAll(/\b[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)+\b/gu)) {
    const word = m[0].replace(/-/g, '');
    extra.push({ word, stem: stem(word), pos: at(m.index!), stop: false });
  }
  return extra.length ? [...ws, ...extra] : ws;
}

/**
 * The cells of a line lined up by spaces or tabs ("Livros comuns      14 dias     R$ 1,00"): at least three cells two
 * or more spaces apart, or two cells a tab or three spaces apart; undefined for a line of prose.
 */
function alignedCells(line: string): string[] | undefined {
  const t = line.trim();
  if (!/\t| {2,}/.test(t) || /^(?:[-*•#>|]|\d{1,2}[.)]\s)/.test(t)) return undefined;
  const cells = t.split(/\t+| {2,}/).map((c) => c.trim()).filter(Boolean);
  if (cells.length >= 3 || (cells.length === 2 && /\t| {3,}/.test(t))) return cells;
  return undefined;
}

/** The cells of a Markdown table row ("| a | b |"); [] for the |---|---| rule; undefined for any other line. */
function tableCells(line: string): string[] | undefined {
  const t = line.trim();
  if (!/^\|.*\|$/.test(t) || t.length < 3) return undefined;
  const cells = t.slice(1, -1).split('|').map((c) => c.trim());
  return cells.every((c) => /^:?-{2,}:?$/.test(c) || c === '') ? [] : cells;
}

/** A row quoted as a sentence: "São Paulo: R$ 450,00", "Luto — avós: 2 dias consecutivos; a partir do falecimento". */
function rowText(cells: string[]): string {
  const filled = cells.filter(Boolean);
  return filled.length < 2 ? filled.join('') : `${filled[0]}: ${filled.slice(1).join('; ')}`;
}

/** A record line ("servico: Vacina V10; especie: cão; preco: R$ 95,00; observacao: Reforço anual."): three or more fields. */
function recordFields(line: string): Array<{ text: string; words: Word[] }> | undefined {
  if (!/^[\p{L}_][\p{L}\p{N}_ ]{0,29}: [^;]+(?:; [\p{L}_][\p{L}\p{N}_ ]{0,29}: [^;]+){2,}$/u.test(line)) return undefined;
  return line.replace(/\.$/, '').split('; ').map((text) => ({ text, words: words(decodeEntities(text)) }));
}

/**
 * A record quoted for a question: the field that names the row (the first), the fields holding the question's terms,
 * and those holding the kind of answer asked ("quanto custa a vacina V10?" -> "servico: Vacina V10; preco: R$ 95,00.");
 * the whole line for a question of no known kind (yes / no, "qual…" but for a contact: "qual o ramal") or when no field
 * holds the kind asked.
 */
function recordAnswer(s: Sentence, q: QuestionAnalysis): string {
  // only a question whose words tell the kind of answer (an amount, a time, a person, a place) says which field answers
  if (!FACTOID.has(q.type) && !contactForm(q)) return s.quote;
  const fields = s.fields!;
  const fits = fields.map((f, i) => i > 0 && fieldFits(f.text.slice(f.text.indexOf(':') + 1), q));
  if (!fits.some(Boolean)) return s.quote;
  const kept = fields.filter((f, i) => i === 0 || s.fieldHits?.[i] || fits[i]);
  return kept.length === fields.length ? s.quote : `${kept.map((f) => f.text).join('; ')}.`;
}

/** A field's value holds the kind of answer asked: money for "quanto custa", a time of day for "que horas", a name for "quem"… */
function fieldFits(value: string, q: QuestionAnalysis): boolean {
  const f = fold(value);
  switch (q.type) {
    case 'amount':
      return q.unit === 'money' ? MONEY.test(value) || /\d\s?%/.test(value) : q.unit === 'duration' ? DURATION.test(f) : /\d/.test(value) || NUMBER_WORDS.test(f);
    case 'time':
      return q.unit === 'clock' ? CLOCK.test(f) : DATE.test(f) || DURATION.test(f) || CLOCK.test(f) || FREQUENCY.test(f);
    case 'person':
      return entityKinds(` ${value}`).has('person');
    case 'place':
      return entityKinds(value).has('place');
    default:
      // "qual o ramal / e-mail / site": the field written in that form
      return !!contactForm(q)?.test(value);
  }
}

/** Markdown bullets and table pipes are layout, not words of the answer. */
function cleanLine(text: string): string {
  // a hard-wrapped sentence is quoted on one line
  return withoutEmphasis(text.replace(/^\s*(?:>\s*)?(?:(?:[-*•]|\d{1,2}[.)])\s+)?/, '').trim().replace(/[ \t]*\n[ \t]*/g, ' '));
}

/** Markdown's bold markers around words ("até **30 dias por ano**"): the answer is plain text, the words stay. */
function withoutEmphasis(text: string): string {
  return text.replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2');
}

const MONTHS = 'janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro january february march april may june july august september october november december';
const WEEKDAYS = 'segunda terca quarta quinta sexta sabado domingo monday tuesday wednesday thursday friday saturday sunday';
// "um"/"uma" are mostly articles: a number only before a unit ("uma semana", "um mês")
const META = /^(Esta|Este|A presente|O presente)\s+(política|documento|manual|guia|página|procedimento|norma|regulamento|seção|capítulo|FAQ|cartilha|instrução)\b/i;
const MONEY = /R\s?\$|US\s?\$|\$\s?\d|€|£|\b(reais|dólares|dolares|euros|libras)\b|\b\d+,\d{2}\b|\bgratuit|\bsem custo/i;
const DURATION = /\b(\d+|um|uma|dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez|quinze|vinte|trinta)\s*(a \d+\s*)?(minutos?|min|h|horas?|dias?|semanas?|mes|meses|anos?|noites?|uteis)\b/;
/** Numbers written as words (folded), from two up: an amount, and a count when a noun follows ("duas parcelas"). */
const NUMBER_NAMES = 'dois|duas|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|treze|quinze|vinte|trinta|quarenta|cinquenta|cem|mil';
const NUMBER_WORDS = new RegExp(
  `\\b((um|uma) (dia|mes|ano|hora|semana|vez|minuto|real|unidade|salario|terco|quinto)|${NUMBER_NAMES}|sessenta|cento|duzentos|milhao|milhoes|metade|dobro|one|two|three|four|five|ten|hundred|thousand|million)\\b`,
);
/** A web address or a bare domain ("academia.verticesistemas.com.br"). */
const WEB_ADDRESS = /https?:\/\/|www\.|\b[\w-]+\.(?:com|br|org|net|io|gov)\b/;
const TIME_WORDS = new RegExp(
  `\\b(${MONTHS.split(' ').join('|')}|${WEEKDAYS.split(' ').join('|')}|dias?|semanas?|mes|meses|anos?|horas?|minutos?|uteis|diariamente|semanalmente|mensalmente|anualmente|semanal|mensal|anual|antes|apos|depois|prazo|periodo|manha|tarde|noite|durante|seculo|decada|years?|days?|months?|weeks?|hours?|century)s?\\b`,
);
const ROLE_WORDS = /\b(gerente|coordenador|coordenadora|diretor|diretora|analista|equipe|time|area|setor|departamento|rh|ti|responsavel|presidente|lider|gestor|gestora|chefe|supervisor|supervisora|tecnico|tecnica)\b/;
const PLACE_WORDS = /\b(sala|andar|predio|bloco|recepcao|portal|site|sistema|intranet|endereco|rua|avenida|cidade|estado|pais|regiao|terreo|escritorio|sede|unidade|filial|almoxarifado|copa|estacionamento|app|aplicativo|e-?mail|link)\b/;
const IMPERATIVES = new Set(
  fold(
    `abra acesse envie procure entre clique leve solicite preencha ligue mande registre informe fale use utilize verifique desligue
     retire coloque encha pressione aguarde consulte anexe peça reinicie troque mantenha evite lave limpe siga faça escolha selecione
     digite confirme instale baixe atualize apresente compareça agende reserve cadastre entregue guarde abrir acessar enviar
     solicitar preencher registrar ligar reiniciar contatar contate comunique comunicar avise avisar dirija-se vá`,
  ).split(/\s+/),
);
/** A place in a system or a form where something is done ("no portal", "na opção", "pelo aplicativo"), and so how. */
const WHERE_DONE = /\b(no|na|nos|nas|em|pelo|pela)\s+(?:(?:o|a|seu|sua)\s+)?(portal|site|sistema|aplicativo|app|menu|opcao|opcoes|aba|tela|pagina|intranet|formulario|link|botao|campo|painel)\b/;
const MODALS = /\b(deve|devem|devera|deverao|precisa|precisam|e preciso|e necessario|basta|recomenda-se|recomendamos|e obrigatorio|tem que|tera que)\b/;
const POLARITY = /\b(pode|podem|podera|poderao|permitido|permitida|permite|proibido|proibida|vedado|vedada|nao|sim|nunca|sempre|obrigatorio|obrigatoria|opcional|ate|somente|apenas|direito|garantido|garantida)\b/;

function sentenceEntities(s: Sentence): Set<EntityKind> {
  return (s.entities ??= entityKinds(s.text));
}

function entityKinds(text: string): Set<EntityKind> {
  const f = fold(text);
  const kinds = new Set<EntityKind>();
  const digits = /\d/.test(text);
  if (digits || /R\$|%|US\$|€/.test(text) || NUMBER_WORDS.test(f)) kinds.add('amount');
  if (digits || TIME_WORDS.test(f)) kinds.add('time');
  // a capitalized word after the first one, or a role
  if (/\s\p{Lu}\p{Ll}+/u.test(text) || ROLE_WORDS.test(f)) kinds.add('person');
  if (PLACE_WORDS.test(f) || /\b(em|no|na|nos|nas|ao|à)\s+\p{Lu}/u.test(text) || /@\w/.test(text) || WEB_ADDRESS.test(text)) kinds.add('place');
  return kinds;
}

interface Cues {
  imperative: boolean;
  modal: boolean;
  means: boolean;
  polarity: boolean;
  reason: boolean;
  definition: boolean;
}

/** What a sentence says, whatever the question: computed once per line. */
function cues(words: Word[], f: string): Cues {
  return {
    imperative: words.some((w, i) => IMPERATIVES.has(w.word) && i < 4),
    modal: MODALS.test(f),
    // "é redefinida no portal de acesso", "na opção Esqueci minha senha", "em acesso.empresa.com.br": where a thing is
    // done is how it is done
    means: /\b(para|pelo|pela|atraves|via)\b/.test(f) || WHERE_DONE.test(f) || WEB_ADDRESS.test(f),
    polarity: POLARITY.test(f),
    reason: /\b(porque|pois|devido|por causa|motivo|razao|para que|a fim de|visando|uma vez que|ja que)\b/.test(f),
    definition: /\b(e|sao|significa|consiste|refere-se|chamad[oa]s?|conhecid[oa]s?|is|are|means)\b/.test(f),
  };
}

function fitsType(q: QuestionAnalysis, win: Sentence[], entities: Set<EntityKind>, hitsATerm: boolean): number {
  const any = (k: keyof Cues) => win.some((s) => s.cues![k]);
  switch (q.type) {
    case 'amount':
      if (!entities.has('amount')) return 0;
      // "quanto custa" wants money, "quanto tempo" a duration: another number is a weaker fit
      // a share of a price is how much is paid or kept ("coparticipação de 20%", "retenção de 10% do valor pago")
      if (q.unit === 'money') return win.some((s) => MONEY.test(s.text) || /\d\s?%/.test(s.text)) ? 1 : 0.25;
      if (q.unit === 'duration') return win.some((s) => DURATION.test(s.folded!)) ? 1 : 0.25;
      if (q.measure) return win.some((s) => q.measure!.test(s.folded!)) ? 1 : 0.25;
      if (q.countRoots) return win.some((s) => counts(s.folded!, q.countRoots!)) ? 1 : 0.5;
      return 1;
    case 'time':
      if (!entities.has('time')) return 0;
      if (q.unit === 'frequency') return win.some((s) => FREQUENCY.test(s.folded!)) ? 1 : 0.5;
      // "em que ano": a year (or a century, a decade), not any number
      if (q.unit === 'year') return win.some((s) => YEAR.test(s.folded!)) ? 1 : 0.5;
      if (q.unit === 'clock') return win.some((s) => CLOCK.test(s.folded!)) ? 1 : 0.5;
      // "quando" asks for a date or a period: a bare number or "antes", "durante" alone is a weaker fit
      return win.some((s) => DATE.test(s.folded!) || DURATION.test(s.folded!) || FREQUENCY.test(s.folded!)) ? 1 : 0.5;
    case 'person':
      // a name answers "quem"; a role ("o gestor") only in part
      return !entities.has('person') ? 0 : win.some((s) => namesSomeoneElse(s.text, q)) ? 1 : 0.6;
    case 'place':
      return entities.has('place') ? 1 : 0;
    case 'instruction':
      return any('imperative') || any('modal') ? 1 : any('means') ? 0.4 : 0;
    case 'yesno':
      return any('polarity') ? (hitsATerm ? 1 : 0.5) : 0;
    case 'reason':
      return any('reason') ? 1 : 0.3;
    case 'definition':
      return any('definition') ? 0.7 : 0.4;
    default: {
      // "qual o e-mail / ramal / site": the answer is written in that form
      const form = contactForm(q);
      if (form) return win.some((s) => form.test(s.text)) ? 1 : 0.2;
      // "qual a temperatura / o peso / a velocidade": a measure in its unit ("a 200 °C"), not a line that says the word
      if (q.measure) return win.some((s) => q.measure!.test(s.folded!)) ? 1 : 0.25;
      // "qual indivíduo pintou…" / "O interior foi pintado por Luigi Gregori": a name the question does not say, without the noun, fits in part
      return q.slotRoots ? (win.some((s) => namesSlot(s, q.slotRoots!)) ? 1 : win.some((s) => namesSomeoneElse(s.text, q)) ? SLOT_NAMED_ELSEWHERE : 0.4) : 0.5;
    }
  }
}

/** A window naming someone or something the question does not say, though not after the asked noun ("qual indivíduo" / "por Luigi Gregori"). */
const SLOT_NAMED_ELSEWHERE = 0.6;
/**
 * An attribute asked by "qual X" that is a measure, by folded noun, and the units its value is written in (folded text).
 * Not the nouns that also name something else ("potência" of a drug, "tensão" between people).
 */
const SLOT_MEASURES: Array<[RegExp, RegExp]> = [
  [/^temperaturas?$/, /\d\s?(?:°|º|graus?\b)/],
  [/^pesos?$/, /\d\s?(?:kg|g|quilos?|gramas?|toneladas?|t)\b/],
  [/^velocidades?$/, /\d\s?(?:km\/h|km por hora|m\/s)/],
  [/^(?:alturas?|comprimentos?|larguras?|distancias?|profundidades?)$/, /\d\s?(?:m|cm|mm|km|metros?|centimetros?|quilometros?)\b/],
  [/^voltagem$/, /\d\s?(?:v|volts?)\b/],
];

/** "qual o e-mail / ramal / site": the form the answer is written in (an address, digits, a web address). */
function contactForm(q: QuestionAnalysis): RegExp | undefined {
  return q.slot ? CONTACT_FORMS.find(([nouns]) => nouns.test(q.slot!))?.[1] : undefined;
}
const CONTACT_FORMS: Array<[RegExp, RegExp]> = [
  [/^e?mails?$/, /[\w.+-]+@[\w-]+\.\w/],
  [/^(telefones?|ramal|ramais|celular|celulares|whatsapp|whats|zap|fone)$/, /\d{3,}|\(\d{2}\)/],
  [/^(site|sites|link|links|url|portal|pagina|endereco)$/, WEB_ADDRESS],
];
/** A date: a year, a month, a weekday, a day of the month, a century or decade, an hour. */
const DATE = new RegExp(`\\b(1\\d{3}|20\\d{2}|${MONTHS.split(' ').join('|')}|${WEEKDAYS.split(' ').join('|')}|seculo|decada|anos \\d0|\\d{1,2}h\\d{0,2}|\\d{1,2}:\\d{2}|\\d{1,2}/\\d{1,2}|\\d{1,2}o? dia)s?\\b`);
/** A time of day: "8h", "8h30", "20:00", "meio-dia", "às 9 horas", "24 horas", "9 am". */
const CLOCK = /\b\d{1,2} ?h(?:\d{2})?\b|\b\d{1,2}:\d{2}\b|\bmeio-?dia\b|\bmeia-?noite\b|\b\d{1,2} horas\b|\b\d{1,2} ?[ap]\.?m\b/;
const YEAR = /\b(1\d{3}|20\d{2})\b|\bseculo\b|\bdecada\b|\banos \d0\b/;
const FREQUENCY = /\b(a cada|por (dia|semana|mes|ano|hora)|(ao|no|na) (dia|semana|mes|ano)|diariamente|semanalmente|quinzenalmente|mensalmente|bimestralmente|trimestralmente|semestralmente|anualmente|diari[oa]s?|semana(l|is)|mensa(l|is)|anua(l|is)|tod[oa]s? (o|a|os|as) |sempre que|vezes)\b/;

/** A name the question does not itself say ("Quem é o gerente do Rio de Janeiro?" is not answered by "Rio de Janeiro: R$ 420"). */
function namesSomeoneElse(text: string, q: QuestionAnalysis): boolean {
  for (const m of text.matchAll(/\s(\p{Lu}\p{Ll}+)/gu)) {
    const w = fold(m[1]);
    if (!q.terms.some((t) => t.matching?.has(w) || t.word === w)) return true;
  }
  return false;
}

/** Units of measure a "quantos X" asks for, by folded noun: the full forms and abbreviations a number is written with. */
const MEASURES: Array<[RegExp, string]> = [
  [/^(gramas?)$/, 'g|gramas?'],
  [/^(quilos?|quilogramas?)$/, 'kg|quilos?|quilogramas?'],
  [/^(toneladas?)$/, 't|ton|toneladas?'],
  [/^(litros?)$/, 'l|litros?'],
  [/^(mililitros?)$/, 'ml|mililitros?'],
  [/^(metros?)$/, 'm|metros?'],
  [/^(quilometros?)$/, 'km|quilometros?'],
  [/^(centimetros?)$/, 'cm|centimetros?'],
  [/^(milimetros?)$/, 'mm|milimetros?'],
  [/^(milhas?)$/, 'mi|milhas?'],
  [/^(polegadas?)$/, 'pol|polegadas?|"'],
  [/^(hectares?)$/, 'ha|hectares?'],
  [/^(acres?)$/, 'acres?'],
  [/^(graus?)$/, '°|º|graus?'],
  [/^(calorias?|quilocalorias?)$/, 'kcal|cal|calorias?|quilocalorias?'],
  [/^(watts?|quilowatts?)$/, 'w|kw|kwh|watts?|quilowatts?'],
  [/^(megabytes?|gigabytes?|terabytes?)$/, 'mb|gb|tb|megabytes?|gigabytes?|terabytes?'],
];
function measureOf(noun: string): RegExp | undefined {
  const forms = MEASURES.find(([n]) => n.test(noun))?.[1];
  return forms ? new RegExp(`(?:\\d(?:[.,]\\d+)?|\\b(?:um|uma|meio|meia|${NUMBER_NAMES}))\\s*(?:${forms})(?![\\p{L}])`, 'u') : undefined;
}
/** The sentence counts the asked noun: a number followed, within three words, by it ("**8 vagas**", "duas parcelas"). */
function counts(folded: string, roots: string[]): boolean {
  const tokens = folded.split(/\s+/).map((t) => t.replace(/[^\p{L}\p{N}]/gu, ''));
  return tokens.some((t, i) => (/^\d/.test(t) || COUNT_WORDS.test(t)) && tokens.slice(i + 1, i + 4).some((n) => roots.some((r) => n.startsWith(r))));
}
const COUNT_WORDS = new RegExp(`^(um|uma|${NUMBER_NAMES})$`);

/** The sentence names the asked noun: it is followed, within three words, by a name or code ("sistema **Rota**", "o FortiClient"). */
function namesSlot(s: Sentence, roots: string[]): boolean {
  const tokens = s.text.split(/\s+/);
  // folding keeps the whitespace: the folded tokens line up with the written ones
  const folded = s.folded!.split(/\s+/);
  return folded.some((t, i) => roots.some((root) => t.replace(/[^\p{L}]/gu, '').startsWith(root)) && namedAfter(tokens.slice(i + 1, i + 4), folded.slice(i + 1, i + 4)));
}

/** A name or code among the words after the noun, before any verb but a naming one ("a máquina custou R$ 12.400" names no machine; "sistema chamado Rota" does). */
function namedAfter(tokens: string[], folded: string[]): boolean {
  for (let j = 0; j < tokens.length; j++) {
    if (/^[*"'“(]*(\p{Lu}|\d)/u.test(tokens[j])) return true;
    const w = folded[j].replace(/[^\p{L}]/gu, '');
    if (verbLike(w) && !/^(?:chamad|denominad|conhecid|intitulad|batizad)/.test(w)) return false;
  }
  return false;
}

const ENTITIES: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>', nbsp: ' ' };

/** Text exported from web pages often keeps HTML character references ("Destiny&#39;s Child", "&quot;Halo&quot;"). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,6})|#x([\da-f]{1,5})|([a-z]+));/gi, (m, dec: string, hex: string, name: string) => {
    if (dec || hex) {
      const code = dec ? Number(dec) : parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[name.toLowerCase()] ?? m;
  });
}

const round = (x: number) => Math.round(x * 1000) / 1000;
