import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CACHE, AppCache, collectionKey, LruMap } from '../../../../shared/cache';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { UsageRecorder } from '../../../metrics';
import { DEFAULT_COLLECTION, SearchHandler } from '../../../retrieval';
import { canonicalJson, cosine, normalizeQuestion, questionTerms, sameTerms, sha256 } from '../../domain/answer-cache-key';
import { LlmRegistry } from '../models/llm-registry.service';
import { AskHandler } from './ask.handler';
import { AskCommand, AskEvent, AskResult, CacheOutcome } from './ask.types';

const ms = (from: number) => Math.round((performance.now() - from) * 100) / 100;

interface SemanticEntry {
  /** The cached question's embedding. */
  v: number[];
  /** Its content terms (questionTerms): a rewording must have the same ones. */
  t: string[];
  key: string;
}

/** What every key of a request shares, as canonical JSON, the model the key names (the primary's id), and the corpus it was read at. */
interface Scope {
  json: string;
  model: string;
  corpus: string;
}

/** Collections whose last seen corpus version this process remembers (memory store: see `scope`). */
const SEEN_COLLECTIONS = 10_000;

/**
 * `/v1/ask` through the response cache. The key covers the normalized question, collection, filters, top_k,
 * the active model, the collection's embedder and corpus version (a new one after every ingest or delete,
 * read before the answer is computed), and the ask/search settings a config reload can change, so an
 * answer is never served for another corpus or model. With `cache.semantic.enabled`, a question whose
 * embedding is within `threshold` (cosine) of a cached one in the same scope, and whose content terms are the
 * same up to inflection (questionTerms: numbers, negations and interrogatives included), reuses its answer.
 * An answer another model gave (a fallback of the chain, while the primary failed) is not stored: the key names
 * the primary, and the degraded answer would outlive the outage by the whole TTL.
 * A cached answer is served with this request's timings and no usage (no model was called).
 * Entries are keyed under their collection (collectionKey): deleting or replacing a document drops the collection's
 * entries, which may quote its text, in Redis or in the deleting process's memory (CorpusStateCache.onRemoved). An
 * answer computed over the corpus as it was before such a write and stored after it is deleted again (`store`), and
 * a process on the in-memory store drops a collection's entries when it sees that its corpus version moved
 * (another replica's write).
 */
@Injectable()
export class CachedAskHandler {
  private settings = { json: '', hash: '' };
  private readonly seen = new LruMap<string, string>(SEEN_COLLECTIONS);

  constructor(
    private readonly ask: AskHandler,
    private readonly search: SearchHandler,
    private readonly llms: LlmRegistry,
    @Inject(APP_CACHE) private readonly cache: AppCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: UsageRecorder,
  ) {}

  async execute(cmd: AskCommand): Promise<AskResult> {
    const started = performance.now();
    const scope = await this.scope(cmd);
    if (!scope) return { ...(await this.ask.execute(cmd)), cache: 'miss' };
    const cached = await this.lookup(cmd, scope);
    if (cached) return served(cached.result, cached.outcome, started);
    const result = await this.ask.execute(cmd);
    await this.store(cmd, scope, result);
    return { ...result, cache: 'miss' };
  }

  /** A hit is replayed as the same events a generation sends: the answer as one token, citations, done. */
  async *stream(cmd: AskCommand): AsyncIterable<AskEvent> {
    const started = performance.now();
    const scope = await this.scope(cmd);
    const cached = scope ? await this.lookup(cmd, scope) : undefined;
    if (cached) {
      const result = served(cached.result, cached.outcome, started);
      yield { type: 'token', text: result.answer };
      for (const citation of result.citations) yield { type: 'citation', citation };
      yield { type: 'done', result };
      return;
    }
    for await (const event of this.ask.stream(cmd)) {
      if (event.type !== 'done') {
        yield event;
        continue;
      }
      if (scope && !cmd.signal?.aborted) await this.store(cmd, scope, event.result);
      yield { type: 'done', result: { ...event.result, cache: 'miss' } };
    }
  }

  /** What every key of this request shares (null: not cacheable, e.g. an unknown collection, which the handler rejects). */
  private async scope(cmd: AskCommand): Promise<Scope | null> {
    if (!this.config.cache.response.enabled) return null;
    const corpus = await this.search.corpusState(cmd.collection);
    if (!corpus && cmd.collection !== DEFAULT_COLLECTION) return null;
    const llm = this.llms.current().info;
    const state = `${corpus?.embedderId ?? ''}\u0000${corpus?.version ?? '0'}`;
    if (this.cache.store === 'memory') await this.dropIfMoved(cmd.collection, state);
    // Not hashed here: the answer key hashes it with the question (one digest per request).
    const json = canonicalJson([
      cmd.collection,
      cmd.filters ?? null,
      cmd.topK ?? this.config.generation.ask.topK,
      llm,
      corpus?.embedderId ?? null,
      corpus?.version ?? '0',
      this.settingsHash(),
    ]);
    return { json, model: llm.modelId, corpus: state };
  }

  /**
   * The in-memory store only (Redis is shared, and purged by the process that wrote): another replica's delete or
   * replacement did not reach this process's memory, so the collection's entries go when its corpus state moves.
   */
  private async dropIfMoved(collection: string, state: string): Promise<void> {
    const before = this.seen.get(collection);
    this.seen.set(collection, state);
    if (before !== undefined && before !== state) await this.cache.forgetCollection(collection);
  }

  private settingsHash(): string {
    const json = JSON.stringify([this.config.generation.ask, this.config.retrieval.search]);
    if (json !== this.settings.json) this.settings = { json, hash: sha256(json) };
    return this.settings.hash;
  }

  private answerKey(scope: Scope, cmd: AskCommand): string {
    return collectionKey(cmd.collection, `ask:${sha256(`${scope.json}\u0000${normalizeQuestion(cmd.question)}`)}`);
  }

  /** The semantic cache's list of questions for this scope (only read with cache.semantic on). */
  private semanticKey(cmd: AskCommand, scope: Scope): string {
    return collectionKey(cmd.collection, `sem:${sha256(scope.json)}`);
  }

  /** The exact lookup, then (cache.semantic on) the semantic one; each counted by outcome (acervo_cache_lookups_total). */
  private async lookup(cmd: AskCommand, scope: Scope): Promise<{ result: AskResult; outcome: CacheOutcome } | undefined> {
    const exact = await this.cache.get<AskResult>(this.answerKey(scope, cmd));
    this.usage.countCacheLookup('response', exact ? 'hit' : 'miss');
    if (exact) return { result: exact, outcome: 'hit' };
    const semantic = this.config.cache.semantic;
    if (!semantic.enabled) return undefined;
    const found = await this.semanticLookup(cmd, scope, semantic.threshold);
    this.usage.countCacheLookup('semantic', found ? 'hit' : 'miss');
    return found ? { result: found, outcome: 'semantic' } : undefined;
  }

  private async semanticLookup(cmd: AskCommand, scope: Scope, threshold: number): Promise<AskResult | undefined> {
    const embedding = await this.search.embedQuery(cmd.collection, cmd.question);
    if (!embedding) return undefined;
    const entries = (await this.cache.get<SemanticEntry[]>(this.semanticKey(cmd, scope))) ?? [];
    const terms = questionTerms(cmd.question);
    let best: SemanticEntry | undefined;
    let bestScore = threshold;
    for (const e of entries) {
      // the cosine of a long question barely moves with one word: "gerentes" for "diretores" stayed above 0.9
      if (!Array.isArray(e.t) || !sameTerms(terms, e.t)) continue;
      const s = cosine(embedding, e.v);
      if (s >= bestScore) [best, bestScore] = [e, s];
    }
    if (!best) return undefined;
    return (await this.cache.get<AskResult>(best.key)) ?? undefined;
  }

  private async store(cmd: AskCommand, scope: Scope, result: AskResult): Promise<void> {
    if (result.truncated) return; // a cut answer (token limit, content filter) is not served again
    if (result.model !== scope.model) return; // a fallback answered: not under the primary's key
    const ttlMs = this.config.cache.response.ttlSeconds * 1000;
    const key = this.answerKey(scope, cmd);
    await this.cache.set(key, result, ttlMs);
    await this.storeSemantic(cmd, scope, key, ttlMs);
    // A document deleted or replaced while this answer was computed: its purge ran before these writes, and the
    // answer may quote the removed text. Read the corpus state again (from the database: another process may have
    // written) and take the entries back if it moved.
    const now = await this.search.corpusState(cmd.collection, true).catch(() => undefined);
    if (now !== undefined && `${now?.embedderId ?? ''}\u0000${now?.version ?? '0'}` === scope.corpus) return;
    await this.cache.delete(key);
    await this.cache.delete(this.semanticKey(cmd, scope));
  }

  private async storeSemantic(cmd: AskCommand, scope: Scope, key: string, ttlMs: number): Promise<void> {
    const semantic = this.config.cache.semantic;
    if (!semantic.enabled) return;
    const embedding = await this.search.embedQuery(cmd.collection, cmd.question);
    if (!embedding || !embedding.some((x) => x !== 0)) return;
    const entries = ((await this.cache.get<SemanticEntry[]>(this.semanticKey(cmd, scope))) ?? []).filter((e) => e.key !== key);
    entries.push({ v: Array.from(embedding, (x) => Math.round(x * 1e5) / 1e5), t: questionTerms(cmd.question), key });
    await this.cache.set(this.semanticKey(cmd, scope), entries.slice(-semantic.maxEntries), ttlMs);
  }
}

function served(result: AskResult, outcome: CacheOutcome, started: number): AskResult {
  return {
    ...result,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    timings: { embed_ms: 0, search_ms: 0, generate_ms: 0, total_ms: ms(started) },
    cache: outcome,
  };
}
