import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database/transaction';
import { withoutNul } from '../../../../shared/text/nul';
import { ChunkIndexer, CollectionEmbedderChangedError, type ChunkDraft, type CollectionInfo, type EmbeddedChunk } from '../../../retrieval';
import { clipped, contentHash, KnowledgeDocument, MAX_SOURCE_ID_CHARS, MAX_TITLE_CHARS, NormalizedText, normalizeWithOffsets, sourceRange } from '../../domain/document';
import { DocumentTooLargeError, EmptyDocumentError } from '../../domain/ingestion.errors';
import { Chunker } from '../ports/chunker.port';
import { DocumentRepository, DuplicateSourceError } from '../ports/document-repository.port';
import { CHUNKER, DOCUMENT_REPOSITORY, SOURCE_LOCKS } from '../ports/ingestion.tokens';
import { SourceKey, SourceLocks } from '../ports/source-locks.port';
import { FileScope, IngestResult, IngestTextCommand, RemovedDocument } from './ingest.command';

/**
 * The one ingestion use case every driving adapter ends in (JSON, upload, URL, CLI):
 * normalize -> dedup by content hash -> chunk -> embed (outside the transaction) ->
 * write document + chunks in one transaction, replacing an earlier version of the same source.
 */
@Injectable()
export class IngestTextHandler {
  private readonly logger = new Logger('Ingestion');

  constructor(
    @Inject(DOCUMENT_REPOSITORY) private readonly documents: DocumentRepository,
    @Inject(CHUNKER) private readonly chunker: Chunker,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly indexer: ChunkIndexer,
    @Inject(SOURCE_LOCKS) private readonly locks: SourceLocks,
  ) {}

  async execute(command: IngestTextCommand, attempt = 0): Promise<IngestResult> {
    const p = this.prepare(command);
    const cmd = p.cmd;
    const collection = await this.indexer.openCollection(cmd.collection);

    // A known source is compared with its own last version only: if it now holds what another document
    // holds, it is still replaced (deduplicating it to the other one would leave this source stale).
    const known = cmd.sourceId ? await this.documents.findBySource(collection.name, p.sourceId) : null;
    const same = known ? (known.contentHash === p.hash ? known : null) : dedupTarget(await this.documents.findByHash(collection.name, p.hash), cmd.file);
    if (same) return deduplicated(same);

    const drafts = await this.chunk(p);
    try {
      const chunks = await this.indexer.embed(drafts, collection);
      return await this.tx.run(async () => {
        const previous = await this.documents.findBySource(collection.name, p.sourceId);
        // A concurrent request with the same content committed first: nothing to write.
        if (previous?.contentHash === p.hash) return deduplicated(previous);
        const doc = documentFor(p, collection.name, chunks.length, previous);
        await this.documents.save(doc);
        // a new document (new id) has no chunks to delete, and on a server it is written beside other new ones
        await this.indexer.write({ id: doc.id, title: doc.title, metadata: doc.metadata }, collection, chunks, { fresh: !previous });
        return this.written(doc, previous);
      });
    } catch (e) {
      // A concurrent writer created the same source (or content) first, or a re-index moved the collection to
      // another embedder after these chunks were embedded: redo once against the current state.
      if ((e instanceof DuplicateSourceError || e instanceof CollectionEmbedderChangedError) && attempt === 0) return this.execute(cmd, 1);
      throw e;
    }
  }

  /**
   * Many documents with the semantics of calling execute() on each in order, but written in batches: the
   * dedup lookups of a batch are two queries, its chunks are embedded in one call across documents, and its
   * documents and chunks are written in one transaction (multi-row INSERTs). A batch is cut before a document
   * whose source or content is already in it, so a duplicate in the input is deduplicated against the stored
   * first copy and a repeated source replaces its earlier version, as one by one. Each command gets its own
   * outcome: a document that cannot be ingested (empty, too large, or its write fails) fails alone; when a
   * batch's transaction fails, its documents are retried one by one so only the bad one fails. Batches are
   * pipelined: one is chunked and embedded while the one before it is written.
   * `onOutcome` is called in input order as documents are settled (after their batch committed); an
   * exception from it stops the run there, with what was written staying.
   * `stop` (an interrupted CLI run) is asked before each batch is looked up and before each write starts: once it says
   * true, no other batch is written, the writes under way finish and are reported through `onOutcome` like any
   * other, and the commands never written have no outcome (their slots in the returned array are empty). Throwing from
   * `onOutcome` instead would leave the rest of the batch being reported written but not reported.
   * The run holds the lock of every source it writes (a file of many records: its name) from its first lookup to its
   * last write (SourceLocks): another run writing a version of one of them waits for it, and then finds what this one
   * stored. Without it, two versions of a file of many batches interleaved their transactions and ended mixed (rows of
   * both), or one's removal took rows the other had just written.
   */
  async executeMany(
    commands: IngestTextCommand[],
    onOutcome?: (outcome: IngestOutcome, index: number) => void,
    stop?: () => boolean,
  ): Promise<IngestOutcome[]> {
    const release = await this.locks.hold(commands.flatMap(lockKey));
    try {
      return await this.executeManyHolding(commands, onOutcome, stop);
    } finally {
      await release();
    }
  }

  private async executeManyHolding(
    commands: IngestTextCommand[],
    onOutcome?: (outcome: IngestOutcome, index: number) => void,
    stop?: () => boolean,
  ): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = new Array(commands.length);
    let emitted = 0;
    // set once `stop` said true: nothing more is looked up or written (the writes under way finish and are reported)
    let halted = false;
    const halt = () => (halted ||= stop?.() === true);
    // set once onOutcome threw (a job interrupted): the writes still in flight finish, but report nothing more
    let stopped = false;
    const settle = (index: number, outcome: IngestOutcome) => {
      outcomes[index] = outcome;
      // (not `onOutcome?.(..., emitted++)`: without a callback that would skip the increment)
      for (; !stopped && emitted < commands.length && outcomes[emitted]; emitted++) onOutcome?.(outcomes[emitted], emitted);
    };
    const { documents: maxDocs, characters: maxChars } = this.config.ingestion.batch;
    let batch: Prepared[] = [];
    let chars = 0;
    const keys = new Set<string>();
    const collections = new Map<string, Promise<CollectionInfo>>();
    const open = (name: string) => {
      let c = collections.get(name);
      if (!c) collections.set(name, (c = this.indexer.openCollection(name)));
      return c;
    };
    // Pipelined: batch k's dedup lookups run before batch k-1's write starts, and its chunking and embedding (this
    // thread, or the embedder's) while batch k-1 is written (the database's thread or server). On a server, up to
    // `writers` batches are written at once, each on its own connection. A batch is looked up only after every batch
    // still to be written or being written that shares a source or a content hash with it is written (that write
    // could change what the lookup finds, or replace what it would write).
    let ready: { computed: Computed; keys: Set<string> } | undefined;
    const writing: Writing[] = [];
    const settleAll = (outcomes: Array<[number, IngestOutcome]>) => {
      for (const [i, o] of outcomes) settle(i, o);
    };
    const finish = async (entry: Writing) => {
      writing.splice(writing.indexOf(entry), 1);
      await entry.done;
    };
    const writers = this.writers();
    // starts the ready batch's write once fewer than `writers` are being written
    const writeReady = async () => {
      if (!ready || halt()) return;
      const r = ready;
      ready = undefined;
      while (writing.length >= writers) await finish(writing[0]);
      // a write that ended meanwhile may have been the last one wanted (its report is what the caller stops on)
      if (halt()) return;
      const entry = { keys: r.keys, done: this.write(r.computed).then(settleAll) };
      // awaited below; until then a failure (an exception from onOutcome) must not count as unhandled
      entry.done.catch(() => undefined);
      writing.push(entry);
    };
    const overlaps = (a: Set<string>, b: Set<string>) => [...a].some((k) => b.has(k));
    // the records of files (FileScope) of the batches looked up so far: what each of their sources holds after this run
    const settled = new Map<string, string>();
    const flush = async () => {
      const current = batch;
      const currentKeys = new Set(keys);
      batch = [];
      chars = 0;
      keys.clear();
      if (!current.length || halt()) return;
      if (ready && overlaps(currentKeys, ready.keys)) await writeReady();
      for (const entry of writing.filter((w) => overlaps(currentKeys, w.keys))) await finish(entry);
      const looked = await this.lookup(current, settled);
      for (const p of current) if (p.cmd.file) settled.set(`${p.collection.name}\0${p.sourceId}`, p.hash);
      await writeReady();
      ready = { computed: await this.compute(looked), keys: currentKeys };
    };
    try {
      for (const [index, command] of commands.entries()) {
        if (halted) break;
        let p: Prepared;
        try {
          p = { ...this.prepare(command), index, collection: await open(command.collection) };
        } catch (error) {
          settle(index, { error });
          continue;
        }
        const sourceKey = `${p.collection.name}\0s\0${p.sourceId}`;
        const hashKey = `${p.collection.name}\0h\0${p.hash}`;
        if (batch.length && (keys.has(sourceKey) || keys.has(hashKey) || batch[0].collection.name !== p.collection.name)) await flush();
        batch.push(p);
        keys.add(sourceKey).add(hashKey);
        chars += p.normalized.text.length;
        if (batch.length >= maxDocs || chars >= maxChars) await flush();
      }
      await flush();
      await writeReady();
      while (writing.length) await finish(writing[0]);
    } catch (error) {
      // the run stops here: no write of this run outlives the call (a job set back to waiting may be claimed again)
      stopped = true;
      await Promise.allSettled(writing.map((w) => w.done));
      throw error;
    }
    return outcomes;
  }

  /**
   * A batch's dedup lookups (one collection, no source or content twice): what is already stored, and what is new.
   * `settled`: the file records of earlier batches (collection, source id -> content hash), see dedupTarget.
   */
  private async lookup(batch: Prepared[], settled: ReadonlyMap<string, string>): Promise<Looked> {
    const collection = batch[0].collection;
    const out: Array<[number, IngestOutcome]> = [];
    const known = await this.documents.findManyBySource(collection.name, batch.filter((p) => p.cmd.sourceId).map((p) => p.sourceId));
    const unknown = batch.filter((p) => !(p.cmd.sourceId && known.has(p.sourceId)));
    const byHash = await this.documents.findManyByHash(collection.name, unknown.map((p) => p.hash));
    const fresh: Prepared[] = [];
    for (const p of batch) {
      const k = p.cmd.sourceId ? known.get(p.sourceId) : undefined;
      const same = k ? (k.contentHash === p.hash ? k : undefined) : dedupTarget(byHash.get(p.hash), p.cmd.file, settled);
      if (same) out.push([p.index, { result: deduplicated(same) }]);
      else fresh.push(p);
    }
    return { out, fresh, ending: batch.filter((p) => p.cmd.file?.keep) };
  }

  /** Chunks the new documents of a batch and embeds them in one call sequence across documents (no database write). */
  private async compute({ out, fresh, ending }: Looked): Promise<Computed> {
    const pending: Array<{ p: Prepared; drafts: ChunkDraft[] }> = [];
    for (const p of fresh) {
      try {
        pending.push({ p, drafts: await this.chunk(p) });
      } catch (error) {
        out.push([p.index, { error }]);
      }
    }
    if (pending.length === 0) return { out, pending, ending };
    try {
      const embedded = await this.indexer.embed(pending.flatMap((d) => d.drafts), pending[0].p.collection);
      let k = 0;
      return { out, pending, ending, withChunks: pending.map(({ p, drafts }) => ({ p, chunks: embedded.slice(k, (k += drafts.length)) })) };
    } catch (failure) {
      return { out, pending, ending, failure };
    }
  }

  /** Writes a computed batch in one transaction; when that fails, its documents one by one. Its outcomes by input index. */
  private async write({ out, pending, ending, withChunks, failure }: Computed): Promise<Array<[number, IngestOutcome]>> {
    // a file whose last record writes nothing loses its earlier version's other records in a transaction of their own
    if (pending.length === 0) return this.removing(out, ending, false);
    const collection = pending[0].p.collection;
    let e = failure;
    if (withChunks) {
      try {
        const written = await this.tx.run(async () => {
          const previous = await this.documents.findManyBySource(collection.name, withChunks.map(({ p }) => p.sourceId));
          const results: Array<[number, IngestOutcome]> = [];
          const docs: Array<{ doc: KnowledgeDocument; chunks: EmbeddedChunk[] }> = [];
          let replacing = false;
          for (const { p, chunks } of withChunks) {
            const prev = previous.get(p.sourceId) ?? null;
            // A concurrent request with the same content committed first: nothing to write.
            if (prev?.contentHash === p.hash) {
              results.push([p.index, { result: deduplicated(prev) }]);
              continue;
            }
            const doc = documentFor(p, collection.name, chunks.length, prev);
            replacing ||= !!prev;
            docs.push({ doc, chunks });
            results.push([p.index, { result: this.written(doc, prev) }]);
          }
          await this.documents.saveMany(docs.map((d) => d.doc));
          await this.indexer.writeMany(
            docs.map(({ doc, chunks }) => ({ document: { id: doc.id, title: doc.title, metadata: doc.metadata }, chunks })),
            collection,
            // new documents only (new ids): nothing of theirs to delete, and on a server other such writes go on beside
            // (not when a file ends here: its removals below delete chunks, which writers do taking turns)
            { fresh: !replacing && ending.length === 0 },
          );
          // the files that end in this batch lose their earlier version's other records in the same transaction
          return this.removing([...out, ...results], ending, true);
        });
        return written;
      } catch (error) {
        e = error;
      }
    }
    if (pending.length === 1 && !isRetryable(e)) return this.removing([...out, [pending[0].p.index, { error: e }]], ending, false);
    // A concurrent writer, a re-index cutover or one bad document failed the batch: one by one, each
    // document gets its own result or error (execute() redoes its lookups and retries once).
    this.logger.warn(`batch of ${pending.length} documents in ${collection.name} failed (${(e as Error)?.message}); writing them one by one`);
    for (const { p } of pending) {
      try {
        out.push([p.index, { result: await this.execute(p.cmd) }]);
      } catch (error) {
        out.push([p.index, { error }]);
      }
    }
    return this.removing(out, ending, false);
  }

  /**
   * The outcomes of a batch with the removals of the files that end in it (FileScope.keep): for each such file whose last
   * record was stored or deduplicated, its documents that the new version does not have are deleted, with their chunks,
   * in the batch's transaction (`inTransaction`: a failure fails the batch, whose documents are then written one by
   * one) or in one of their own (a failure is that record's outcome). A record that failed removes nothing: its file was
   * not stored whole, and the earlier version's records stay until it is uploaded again.
   */
  private async removing(out: Array<[number, IngestOutcome]>, ending: Prepared[], inTransaction: boolean): Promise<Array<[number, IngestOutcome]>> {
    for (const p of ending) {
      const at = out.findIndex(([i]) => i === p.index);
      const result = at < 0 ? undefined : out[at][1].result;
      if (!result) continue;
      const remove = () => this.removeStale(p.collection.name, p.cmd.file!);
      try {
        const removed = inTransaction ? await remove() : await this.tx.run(remove);
        if (removed.length) out[at] = [p.index, { result, removed }];
      } catch (error) {
        if (inTransaction) throw error;
        out[at] = [p.index, { error }];
      }
    }
    return out;
  }

  /** Deletes (in the caller's transaction) the documents of a file that its new version (`keep`) does not have. */
  private async removeStale(collection: string, file: FileScope): Promise<RemovedDocument[]> {
    // the source ids as prepare() stores them
    const keep = new Set([...file.keep!].map(storedSourceId));
    const stale = (await this.documents.findByFileSource(collection, sourceName(file.source))).filter((d) => !keep.has(d.sourceId));
    for (const d of stale) {
      await this.indexer.remove(d.id);
      await this.documents.delete(d.id);
    }
    if (stale.length) this.logger.log(`removed ${stale.length} documents of ${file.source} in ${collection} that its new version no longer has`);
    return stale.map((d) => ({ id: d.id, title: d.title }));
  }

  /** Batches written at once by executeMany: `ingestion.batch.writers` on a server (at most its pool less one), 1 on the embedded engine's one connection. */
  private writers(): number {
    const { url, poolSize } = this.config.database;
    // one connection of the pool stays free for requests and the next batch's lookups
    return url ? Math.max(1, Math.min(this.config.ingestion.batch.writers, poolSize - 1)) : 1;
  }

  /** Cleans and checks one command and hashes its normalized text (no I/O). */
  private prepare(command: IngestTextCommand): Omit<Prepared, 'index' | 'collection'> {
    // title, source id and metadata (from a request or a parsed file) lose any NUL, as the text does; a title or source
    // id taken from a file is cut to the request's limits (a 200 KB heading as title stalled the chunk inserts)
    const sourceId = command.sourceId === undefined ? undefined : storedSourceId(command.sourceId);
    const cmd: IngestTextCommand = { ...command, title: clipped(withoutNul(command.title), MAX_TITLE_CHARS), sourceId, metadata: withoutNul(command.metadata) };
    const normalized = normalizeWithOffsets(cmd.text);
    const text = normalized.text;
    if (!text) throw new EmptyDocumentError(cmd.title);
    if (text.length > this.config.ingestion.maxTextChars) throw textTooLarge(cmd.title, this.config.ingestion.maxTextChars);
    const hash = contentHash(text);
    return { cmd, normalized, hash, sourceId: cmd.sourceId ?? `sha256:${hash}` };
  }

  /** Chunks the normalized text; offsets are reported in the text as submitted (or as extracted from a file). */
  private async chunk(p: Omit<Prepared, 'index' | 'collection'>): Promise<ChunkDraft[]> {
    const drafts = (await this.chunker.split(p.normalized.text)).map((d) => ({ ...d, ...sourceRange(p.normalized, d.start, d.end) }));
    if (drafts.length === 0) throw new EmptyDocumentError(p.cmd.title);
    return drafts;
  }

  private written(doc: KnowledgeDocument, previous: KnowledgeDocument | null): IngestResult {
    if (previous) this.logger.log(`replaced ${doc.id} (${doc.sourceId}) in ${doc.collection}: ${doc.chunkCount} chunks`);
    return { id: doc.id, title: doc.title, deduplicated: false, replaced: !!previous, chunks: doc.chunkCount };
  }
}

/**
 * What executeMany reports for one command: its result, or the error execute() would have thrown. `removed`: the last
 * record of a file (FileScope.keep) lists the documents of the file's earlier version deleted with it.
 */
export type IngestOutcome = { result: IngestResult; error?: undefined; removed?: RemovedDocument[] } | { error: unknown; result?: undefined; removed?: undefined };

/** A batch after its dedup lookups: outcomes known already, the documents to write, and the records that end a file. */
interface Looked {
  out: Array<[number, IngestOutcome]>;
  fresh: Prepared[];
  ending: Prepared[];
}

/** A batch ready to write: outcomes known already (duplicates, documents that could not be chunked), and the rest embedded (or why not). */
interface Computed {
  out: Array<[number, IngestOutcome]>;
  ending: Prepared[];
  pending: Array<{ p: Prepared; drafts: ChunkDraft[] }>;
  withChunks?: Array<{ p: Prepared; chunks: EmbeddedChunk[] }>;
  failure?: unknown;
}

/** A batch being written by executeMany: its sources and content hashes, and its write settling its outcomes. */
interface Writing {
  keys: Set<string>;
  done: Promise<void>;
}

interface Prepared {
  index: number;
  cmd: IngestTextCommand;
  collection: CollectionInfo;
  normalized: NormalizedText;
  hash: string;
  sourceId: string;
}

/**
 * The lock a command's run holds: its file's (all the records of a file of many share it, and a file of one is its
 * source id), or its own source id's. None for a document identified by its content (a concurrent copy is deduplicated).
 */
function lockKey(cmd: IngestTextCommand): SourceKey[] {
  if (cmd.file) return [{ collection: cmd.collection, source: storedSourceId(cmd.file.source) }];
  return cmd.sourceId === undefined ? [] : [{ collection: cmd.collection, source: storedSourceId(cmd.sourceId) }];
}

/** A source id as stored: in Unicode NFC, without NUL, cut to MAX_SOURCE_ID_CHARS. */
function storedSourceId(sourceId: string): string {
  return clipped(sourceName(sourceId), MAX_SOURCE_ID_CHARS);
}

/**
 * A source (a file name, a source_id, a path, a URL) as it is matched: without NUL and in Unicode NFC, so that the name
 * macOS sends decomposed ("a" + U+0301) is the name typed elsewhere composed ("á") and replaces its document.
 */
function sourceName(source: string): string {
  return withoutNul(source).normalize('NFC');
}

/**
 * The document a record found by content is deduplicated to. One of the record's own file only when an earlier batch of
 * this run holds that source with that content (a repeated row): any other may be replaced or removed by this run (a
 * JSON array with a record put first had the moved one deduplicated to its old place, which then took another record).
 */
function dedupTarget(doc: KnowledgeDocument | null | undefined, file: FileScope | undefined, settled?: ReadonlyMap<string, string>): KnowledgeDocument | undefined {
  if (!doc) return undefined;
  const source = file && sourceName(file.source);
  const own = source !== undefined && (doc.sourceId === source || doc.sourceId.startsWith(`${source}#`));
  // a record of another file goes when that file is sent again without it: what was deduplicated to it would go too
  if (!own) return doc.sourceId.includes('#') ? undefined : doc;
  return settled?.get(`${doc.collection}\0${doc.sourceId}`) === doc.contentHash ? doc : undefined;
}

function isRetryable(e: unknown): boolean {
  return e instanceof DuplicateSourceError || e instanceof CollectionEmbedderChangedError;
}

function documentFor(p: Omit<Prepared, 'index' | 'collection'>, collection: string, chunkCount: number, previous: KnowledgeDocument | null | undefined): KnowledgeDocument {
  const now = new Date();
  return {
    id: previous?.id ?? randomUUID(),
    collection,
    sourceId: p.sourceId,
    sourceType: p.cmd.sourceType,
    title: p.cmd.title,
    contentHash: p.hash,
    mimeType: p.cmd.mimeType,
    sizeBytes: p.cmd.sizeBytes ?? Buffer.byteLength(p.cmd.text, 'utf8'),
    charCount: p.normalized.text.length,
    chunkCount,
    metadata: p.cmd.metadata ?? {},
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

function deduplicated(doc: KnowledgeDocument): IngestResult {
  return { id: doc.id, title: doc.title, deduplicated: true, replaced: false, chunks: doc.chunkCount };
}

/**
 * The text limit (ingestion.maxTextChars) of a text as submitted: on its normalized form, as the ingest checks it (once:
 * normalizing twice folds what NUL removal brings together). A job is checked when it is submitted too: a text over it
 * was answered 202 and then failed in the background (413) instead of being refused at once.
 */
export function assertTextWithinLimit(title: string, rawText: string, maxChars: number): void {
  if (rawText.length > maxChars && normalizeWithOffsets(rawText).text.length > maxChars) throw textTooLarge(title, maxChars);
}

function textTooLarge(title: string, maxChars: number): DocumentTooLargeError {
  return new DocumentTooLargeError(title, `${maxChars} characters of text`);
}
