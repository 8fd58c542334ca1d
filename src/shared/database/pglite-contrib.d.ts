// PGlite's contrib extensions are published as subpath exports ("@electric-sql/pglite/contrib/*"), which
// this project's moduleResolution ("node", for CommonJS output) does not read; Node itself resolves them.
declare module '@electric-sql/pglite/contrib/unaccent' {
  import type { Extension } from '@electric-sql/pglite';
  export const unaccent: Extension;
}
