export const VECTOR_STORE = Symbol('VECTOR_STORE');
export const REINDEX_STORE = Symbol('REINDEX_STORE');
