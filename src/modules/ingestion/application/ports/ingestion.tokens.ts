export const DOCUMENT_REPOSITORY = Symbol('DOCUMENT_REPOSITORY');
export const DOCUMENT_PARSER = Symbol('DOCUMENT_PARSER');
export const CHUNKER = Symbol('CHUNKER');
export const WEB_FETCHER = Symbol('WEB_FETCHER');
export const SOURCE_LOCKS = Symbol('SOURCE_LOCKS');
