/** A source of a collection as an ingestion run writes it: a file's name (all its records) or a document's source id. */
export interface SourceKey {
  collection: string;
  source: string;
}

/**
 * Locks on sources held for a whole ingestion run, across its batches (transactions), so versions of one file written
 * at once take turns: the last one to take the lock is what stays, whole. They must hold across processes (replicas on
 * one database) and in embedded mode, where every connection is the one PGlite session (an advisory lock there is
 * held by everyone at once).
 */
export interface SourceLocks {
  /**
   * Waits until no other run holds any of `keys`, then holds them all (all or none at each try, so two runs that want
   * the same sources in other orders never wait for each other). Resolves to the release. Throws SourceBusyError when
   * they stayed taken for too long.
   */
  hold(keys: SourceKey[]): Promise<() => Promise<void>>;
}
