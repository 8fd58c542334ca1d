/** Collection names: lowercase letters, digits, '-' and '_', up to 63 characters. */
export const COLLECTION_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEFAULT_COLLECTION = 'default';
