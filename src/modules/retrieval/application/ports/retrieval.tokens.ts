export const EMBEDDER = Symbol('EMBEDDER');
export const VECTOR_STORE = Symbol('VECTOR_STORE');
