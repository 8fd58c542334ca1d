/*
 * Deterministic Portuguese-like corpus for the 100k-chunk benchmarks.
 *
 * Vocabulary: ~60 real Portuguese function words at the head of the frequency ranking, then
 * ~190 real Portuguese content words shuffled among 5,000 pseudo-words built from Portuguese
 * syllables and suffixes (-ção, -mente, -dade, accents...). Words are drawn from a Zipf(s = 1.05)
 * distribution over that ranking with a seeded PRNG (mulberry32), so the same seed gives
 * byte-identical documents on every machine.
 *
 * Size control: every document is CHUNKS_PER_DOC paragraphs separated by blank lines, each paragraph
 * between MIN_TOKENS and MAX_TOKENS cl100k tokens. With the default chunker (recursive splitter,
 * 256 tokens, 32 overlap) no paragraph is split (<= 256) and no two are merged (> 256 together),
 * so each document yields exactly CHUNKS_PER_DOC chunks, one per paragraph (ingest.bench checks it).
 */
import { getEncoding, Tiktoken } from 'js-tiktoken';
import { mulberry32 } from '../shared/random';

export const CHUNKS_PER_DOC = 10;
export const MIN_TOKENS = 140;
export const MAX_TOKENS = 230;

const FUNCTION_WORDS = `de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu sua
ou quando muito nos já eu também só pelo pela até isso ela entre depois sem mesmo aos seus quem nas me esse eles você essa
num nem suas meu às minha numa pelos elas qual lhe deles`.split(/\s+/);

const CONTENT_WORDS = `governo cidade história guerra rio estado país mundo empresa trabalho sistema projeto cliente
contrato pessoa tempo ano dia vida parte forma lugar caso grupo problema serviço água terra região política economia
mercado produto processo desenvolvimento informação relatório documento reunião equipe gestão qualidade segurança
dados análise resultado objetivo pesquisa ciência tecnologia energia saúde educação escola universidade professor
aluno família criança lei direito justiça tribunal presidente ministro partido eleição população sociedade cultura
arte música filme livro autor século época império rei igreja exército batalha território fronteira comércio porto
navio viagem estrada ponte prédio casa rua bairro praça hospital médico doença tratamento vacina clima chuva floresta
animal planta espécie oceano montanha ilha costa norte sul leste oeste capital município prefeitura orçamento imposto
receita despesa investimento banco moeda preço venda compra fornecedor estoque entrega pedido fatura pagamento prazo
norma regra política procedimento manual treinamento funcionário salário benefício férias contratação avaliação meta
indicador plano estratégia risco auditoria controle acesso senha servidor rede aplicação software código teste versão
falha suporte chamado atendimento usuário conta perfil cadastro formulário pergunta resposta exemplo modelo padrão
grande pequeno novo antigo primeiro último principal importante público privado nacional internacional brasileiro
português federal municipal social econômico técnico administrativo financeiro`.split(/\s+/);

const ONSETS = ['', '', 'b', 'c', 'd', 'f', 'g', 'j', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'br', 'cr', 'pr', 'tr', 'ch', 'lh', 'nh', 'qu', 'gr', 'pl'];
const VOWELS = ['a', 'a', 'e', 'e', 'i', 'o', 'o', 'u', 'á', 'é', 'í', 'ó', 'ã', 'ê', 'ô'];
const CODAS = ['', '', '', '', 'r', 's', 'l', 'n', 'm'];
const SUFFIXES = ['', '', '', '', 'ção', 'ções', 'mente', 'dade', 'ismo', 'eiro', 'eira', 'ado', 'ada', 'ida', 'agem', 'ência', 'oso', 'ante', 'ista', 'ar', 'er', 'ir'];

function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

function pseudoWord(rng: () => number): string {
  const syllables = 1 + Math.floor(rng() * 3);
  let w = '';
  for (let i = 0; i < syllables; i++) w += pick(rng, ONSETS) + pick(rng, VOWELS) + (i === syllables - 1 ? '' : pick(rng, CODAS));
  return w + pick(rng, SUFFIXES);
}

export interface SyntheticDoc {
  index: number;
  title: string;
  paragraphs: string[];
  /** Paragraphs joined by blank lines: what is ingested. */
  text: string;
}

export interface SyntheticQuery {
  query: string;
  /** The document (index) the query words were drawn from. */
  sourceDoc: number;
}

/** Generates documents and queries; the same seed always gives the same output. */
export class SyntheticCorpus {
  readonly vocabulary: string[];
  private readonly cdf: Float64Array;
  private readonly functionWords: Set<string>;
  private encoder?: Tiktoken;
  private readonly tokenCache = new Map<string, number>();

  constructor(
    readonly seed = 20251121,
    pseudoWords = 5000,
    zipfExponent = 1.05,
  ) {
    const rng = mulberry32(seed);
    const pseudo = new Set<string>();
    while (pseudo.size < pseudoWords) {
      const w = pseudoWord(rng);
      if (w.length >= 3 && !CONTENT_WORDS.includes(w) && !FUNCTION_WORDS.includes(w)) pseudo.add(w);
    }
    const tail = [...new Set([...CONTENT_WORDS, ...pseudo])];
    for (let i = tail.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [tail[i], tail[j]] = [tail[j], tail[i]];
    }
    this.vocabulary = [...FUNCTION_WORDS, ...tail];
    this.functionWords = new Set(FUNCTION_WORDS);
    this.cdf = new Float64Array(this.vocabulary.length);
    let acc = 0;
    for (let r = 0; r < this.vocabulary.length; r++) {
      acc += 1 / Math.pow(r + 1, zipfExponent);
      this.cdf[r] = acc;
    }
    for (let r = 0; r < this.cdf.length; r++) this.cdf[r] /= acc;
  }

  private word(rng: () => number): string {
    const u = rng();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.vocabulary[lo];
  }

  /** cl100k tokens of one word as it appears in running text (leading space unless first), cached. */
  private wordTokens(form: string): number {
    let n = this.tokenCache.get(form);
    if (n === undefined) {
      this.encoder ??= getEncoding('cl100k_base');
      n = this.encoder.encode(form).length;
      this.tokenCache.set(form, n);
    }
    return n;
  }

  /**
   * A sentence and its exact cl100k token count when it follows other text after a space (`lead`)
   * or starts the paragraph. cl100k pre-tokenizes ` word` and each punctuation run separately, so a
   * sum over cached words is exact (checked against a full encode in ingest.bench).
   */
  private sentence(rng: () => number, first: boolean): { text: string; tokens: number } {
    const n = 8 + Math.floor(rng() * 13);
    const words: string[] = [];
    let tokens = 0;
    for (let i = 0; i < n; i++) {
      let w = this.word(rng);
      if (i === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
      tokens += this.wordTokens(i === 0 && first ? w : ' ' + w);
      if (i > 2 && i < n - 2 && rng() < 0.06) {
        w += ',';
        tokens += 1;
      }
      words.push(w);
    }
    tokens += 1; // the final . or ?
    return { text: words.join(' ') + (rng() < 0.08 ? '?' : '.'), tokens };
  }

  /** Exact cl100k token count of a text (slow: used only to validate the cached counts). */
  tokens(text: string): number {
    this.encoder ??= getEncoding('cl100k_base');
    return this.encoder.encode(text).length;
  }

  /** One paragraph of MIN_TOKENS..MAX_TOKENS cl100k tokens, and its token count. */
  paragraphWithTokens(rng: () => number): { text: string; tokens: number } {
    for (;;) {
      const target = MIN_TOKENS + 10 + Math.floor(rng() * (MAX_TOKENS - MIN_TOKENS - 20));
      const sentences: string[] = [];
      let tokens = 0;
      while (tokens < target) {
        const s = this.sentence(rng, sentences.length === 0);
        sentences.push(s.text);
        tokens += s.tokens;
      }
      if (tokens <= MAX_TOKENS) return { text: sentences.join(' '), tokens };
      // the last sentence overshot the band: draw again (rare; still deterministic)
    }
  }

  /** Document `index` (independent of the others: its own PRNG stream). */
  document(index: number, chunks = CHUNKS_PER_DOC): SyntheticDoc {
    const rng = mulberry32((this.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const paragraphs: string[] = [];
    for (let i = 0; i < chunks; i++) paragraphs.push(this.paragraphWithTokens(rng).text);
    const titleWords = [0, 1, 2].map(() => this.contentWord(rng));
    return { index, title: `Documento ${index + 1}: ${titleWords.join(' ')}`, paragraphs, text: paragraphs.join('\n\n') };
  }

  private contentWord(rng: () => number): string {
    for (;;) {
      const w = this.word(rng);
      if (!this.functionWords.has(w)) return w;
    }
  }

  /**
   * `count` keyword queries of 3-6 distinct content words taken from one paragraph of a random
   * document among the first `docs` (a third phrased as a question), like a user recalling a passage.
   */
  queries(count: number, docs: number, seed = this.seed + 1): SyntheticQuery[] {
    const rng = mulberry32(seed);
    const out: SyntheticQuery[] = [];
    for (let i = 0; i < count; i++) {
      const sourceDoc = Math.floor(rng() * docs);
      const doc = this.document(sourceDoc);
      const para = pick(rng, doc.paragraphs);
      const words = [...new Set(para.toLowerCase().replace(/[.,?]/g, '').split(/\s+/))].filter((w) => !this.functionWords.has(w));
      const n = Math.min(words.length, 3 + Math.floor(rng() * 4));
      const chosen: string[] = [];
      while (chosen.length < n) {
        const w = pick(rng, words);
        if (!chosen.includes(w)) chosen.push(w);
      }
      const query = rng() < 0.33 ? `o que é ${chosen.join(' ')}?` : chosen.join(' ');
      out.push({ query, sourceDoc });
    }
    return out;
  }
}
