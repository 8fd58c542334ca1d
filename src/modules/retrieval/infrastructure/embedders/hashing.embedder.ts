import { yieldIfLong } from '../../../../shared/loop/yield-if-long';
import { EmbedderInfo, EmbeddingPurpose } from '../../application/ports/embedder.port';
import { BaseEmbedder } from './base.embedder';
import { contentWords } from './portuguese-text';

export interface HashingEmbedderOptions {
  dimension: number;
  /** Weight of the character n-grams of a word relative to the word itself (morphology: escola/escolas). */
  ngramWeight?: number;
  /** Weight of adjacent word pairs (phrases). */
  bigramWeight?: number;
  minGram?: number;
  maxGram?: number;
}

/**
 * The offline default: signed feature hashing (Weinberger et al., 2009) of normalized content words,
 * their character n-grams and word bigrams, with sublinear term frequency, L2-normalized.
 * Deterministic and download-free; it captures lexical overlap, not meaning (reported as `lexical`).
 */
export class HashingEmbedder extends BaseEmbedder {
  readonly info: EmbedderInfo;
  readonly ready = true;
  private readonly ngramWeight: number;
  private readonly bigramWeight: number;
  private readonly minGram: number;
  private readonly maxGram: number;

  constructor(private readonly options: HashingEmbedderOptions) {
    super();
    this.ngramWeight = options.ngramWeight ?? 0.6;
    this.bigramWeight = options.bigramWeight ?? 0.5;
    this.minGram = options.minGram ?? 3;
    this.maxGram = options.maxGram ?? 5;
    this.info = {
      provider: 'hashing',
      modelId: `hashing:v1:${options.dimension}`,
      dimension: options.dimension,
      kind: 'lexical',
      description:
        'Feature hashing of accent-folded Portuguese words, character 3-5-grams and word bigrams (no model, no download). ' +
        'Lexical matching only: it does not understand synonyms or paraphrase.',
    };
  }

  async warmUp(): Promise<void> {}

  async embed(texts: string[], _purpose: EmbeddingPurpose = 'document'): Promise<Float32Array[]> {
    // a large document's chunks take hundreds of ms here: other requests get the loop every LOOP_SLICE_MS
    const out: Float32Array[] = [];
    for (const t of texts) {
      const pause = yieldIfLong();
      if (pause) await pause;
      out.push(this.embedOne(t));
    }
    return out;
  }

  embedOne(text: string): Float32Array {
    const dim = this.options.dimension;
    const v = new Float32Array(dim);
    const words = contentWords(text);
    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const [word, count] of tf) {
      const w = 1 + Math.log(count);
      add(v, 'w\u0001' + word, w, dim);
      if (this.ngramWeight > 0 && word.length > this.minGram) {
        const padded = `<${word}>`;
        let grams = 0;
        for (let n = this.minGram; n <= this.maxGram; n++) grams += Math.max(0, padded.length - n + 1);
        const gw = (w * this.ngramWeight) / Math.sqrt(grams);
        for (let n = this.minGram; n <= this.maxGram; n++) {
          for (let i = 0; i + n <= padded.length; i++) add(v, 'g\u0001' + padded.slice(i, i + n), gw, dim);
        }
      }
    }
    if (this.bigramWeight > 0) {
      for (let i = 1; i < words.length; i++) add(v, 'b\u0001' + words[i - 1] + ' ' + words[i], this.bigramWeight, dim);
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[i] * v[i];
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < dim; i++) v[i] *= inv;
    }
    return v;
  }
}

/** FNV-1a 32-bit; a second mix of the hash picks the sign so collisions cancel out on average. */
function add(v: Float32Array, feature: string, weight: number, dim: number): void {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) {
    h ^= feature.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  let m = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  m = Math.imul(m ^ (m >>> 13), 0xc2b2ae35);
  v[h % dim] += (m ^ (m >>> 16)) & 1 ? weight : -weight;
}
