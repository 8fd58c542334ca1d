import { Embedder, EmbeddingPurpose } from '../ports/embedder.port';
import { EmbeddingUsageSink } from '../ports/embedding-usage.port';
import { DelegatingEmbedder } from './delegating-embedder';

/** About this many characters make a token (the estimate every provider's usage is recorded with). */
const CHARS_PER_TOKEN = 4;

/**
 * Reports every embed() call of the embedder it wraps to the usage sink: model, purpose (query or document),
 * estimated tokens, latency, the request it served and its user, and the error code of a failed call. The report is
 * synchronous and cheap (the sink writes in the background); it never changes what embed() answers or throws.
 */
export class MeteredEmbedder extends DelegatingEmbedder {
  constructor(
    inner: Embedder,
    private readonly usage: EmbeddingUsageSink,
    private readonly requestId: () => string | undefined,
    private readonly userId: () => string | undefined = () => undefined,
  ) {
    super(inner);
  }

  async embed(texts: string[], purpose: EmbeddingPurpose = 'document'): Promise<Float32Array[]> {
    return this.metered(texts, purpose, () => this.inner.embed(texts, purpose));
  }

  /**
   * A remote embedder's warm-up is an embedding request (its `warmUpText`) the provider bills: a usage row of purpose
   * warm_up (issue s16/15: an admin swap's warm-up call left none). Warming up a ready or local embedder calls nothing.
   */
  override async warmUp(): Promise<void> {
    const text = this.inner.warmUpText;
    if (text === undefined || this.inner.ready) return this.inner.warmUp();
    await this.metered([text], 'warm_up', () => this.inner.warmUp());
  }

  private async metered<T>(texts: string[], purpose: EmbeddingPurpose | 'warm_up', call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const chars = texts.reduce((n, t) => n + t.length, 0);
    const report = (error?: string) => {
      try {
        const userId = this.userId();
        this.usage.record({
          modelId: this.inner.modelId.replace(/:\d+$/, ''),
          purpose,
          tokens: Math.ceil(chars / CHARS_PER_TOKEN),
          ms: Math.round(performance.now() - started),
          requestId: this.requestId(),
          ...(userId ? { userId } : {}),
          ...(error ? { error } : {}),
        });
      } catch {
        // a metrics failure never fails an embedding
      }
    };
    try {
      const result = await call();
      report();
      return result;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      report(typeof code === 'string' ? code : (e as Error).name || 'Error');
      throw e;
    }
  }
}
