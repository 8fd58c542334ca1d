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
