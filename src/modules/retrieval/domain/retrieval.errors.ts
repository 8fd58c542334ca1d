import { DomainError } from '../../../shared/errors/domain-error';

export class EmbedderMismatchError extends DomainError {
  constructor(collection: string, built: { embedderId: string; dimension: number }, active: { embedderId: string; dimension: number }) {
    super(
      'RETRIEVAL.EMBEDDER_MISMATCH',
      'conflict',
      `Collection "${collection}" was built with embedder ${built.embedderId} (${built.dimension}-d); the active embedder is ` +
        `${active.embedderId} (${active.dimension}-d). Vectors from different embedders cannot be mixed: switch the embedder ` +
        `back or re-index the collection.`,
      { collection, collectionEmbedder: built.embedderId, activeEmbedder: active.embedderId },
    );
  }
}

export class CollectionNotFoundError extends DomainError {
  constructor(collection: string) {
    super('RETRIEVAL.COLLECTION_NOT_FOUND', 'not_found', `Collection "${collection}" does not exist (nothing has been ingested into it).`, {
      collection,
    });
  }
}

export class EmbedderUnavailableError extends DomainError {
  constructor(provider: string, reason: string) {
    super('RETRIEVAL.EMBEDDER_UNAVAILABLE', 'unavailable', `Embedder "${provider}" is unavailable: ${reason}`, { provider });
  }
}

export class EmbedderFailedError extends DomainError {
  constructor(provider: string, reason: string, kind: 'bad_gateway' | 'timeout' = 'bad_gateway') {
    super(kind === 'timeout' ? 'RETRIEVAL.EMBEDDER_TIMEOUT' : 'RETRIEVAL.EMBEDDER_FAILED', kind, `Embedder "${provider}" failed: ${reason}`, {
      provider,
    });
  }
}

export class InvalidSearchError extends DomainError {
  constructor(message: string, field: string) {
    super('RETRIEVAL.INVALID_QUERY', 'invalid', message, { errors: [{ field, message }] });
  }
}

/**
 * The collection was re-indexed with another embedder between embedding and writing (or its embedder was
 * released meanwhile): the vectors in hand no longer fit. Retryable: open the collection again and re-embed.
 */
export class CollectionEmbedderChangedError extends DomainError {
  constructor(collection: string, embeddedWith: string, nowUses: string) {
    super(
      'RETRIEVAL.COLLECTION_EMBEDDER_CHANGED',
      'conflict',
      `Collection "${collection}" switched from embedder ${embeddedWith} to ${nowUses} while this request was running; retry it.`,
      { collection, embeddedWith, collectionEmbedder: nowUses },
    );
  }
}

export class InvalidEmbedderSpecError extends DomainError {
  constructor(message: string, errors: Array<{ field: string; message: string }>) {
    super('RETRIEVAL.INVALID_EMBEDDER', 'invalid', message, { errors });
  }
}

export class ReindexInProgressError extends DomainError {
  constructor(collection: string, jobId: string) {
    super('RETRIEVAL.REINDEX_IN_PROGRESS', 'conflict', `Collection "${collection}" is already being re-indexed (job ${jobId}); wait for it to finish.`, {
      collection,
      jobId,
    });
  }
}

export class ReindexJobNotFoundError extends DomainError {
  constructor(id: string) {
    super('RETRIEVAL.REINDEX_JOB_NOT_FOUND', 'not_found', `Re-index job ${id} is unknown.`, {
      jobId: id,
    });
  }
}

/** The collection's embedder changed under a running re-index (someone else migrated it): the job gives up. */
export class ReindexSupersededError extends DomainError {
  constructor(collection: string, expected: string, found: string) {
    super('RETRIEVAL.REINDEX_SUPERSEDED', 'conflict', `Collection "${collection}" now uses ${found}, not ${expected} as when the job started.`, {
      collection,
    });
  }
}

/** The `error` of a re-index an operator cancelled (POST /v1/admin/reindex/{id}/cancel) starts with this code. */
export const REINDEX_CANCELLED = 'RETRIEVAL.REINDEX_CANCELLED';

/** Only a queued or running re-index can be cancelled: one that completed or failed is left as it is. */
export class ReindexNotCancellableError extends DomainError {
  constructor(id: string, status: string) {
    super('RETRIEVAL.REINDEX_NOT_CANCELLABLE', 'conflict', `Re-index job ${id} has already ${status === 'completed' ? 'completed' : 'failed'}; only a queued or running job can be cancelled.`, {
      jobId: id,
    });
  }
}
