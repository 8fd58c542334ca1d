import { resolve } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Where the web UI is served; `/` redirects there. */
export const WEB_UI_PATH = '/ui';

/**
 * The UI's Content-Security-Policy, stricter than Helmet's default (which /docs needs): scripts and styles from this
 * origin only (no inline code, no eval), fetch to this origin only, no frames, no forms posting elsewhere, no plugins.
 * The pages put server text in the DOM with textContent only, so this is a second line against XSS, not the first.
 */
export const WEB_UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The committed UI files: <app root>/ui, from dist/shared/http and from src/shared/http (ts-jest) alike. */
export function defaultWebUiDir(): string {
  return resolve(__dirname, '..', '..', '..', 'ui');
}

/**
 * The web UI (plain HTML, CSS and ES modules in ui/, no build step) as static files at /ui/, with WEB_UI_CSP on
 * every answer under /ui (a 404 there too), and GET / redirected to /ui/. Everything else passes through untouched
 * (/v1, /docs, /health, /metrics). The files are public: they hold no data; the API calls they make carry the
 * credential the user typed (auth.mode required still guards /v1).
 */
export function webUi(dir: string = defaultWebUiDir()): RequestHandler {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get('/', (_req: Request, res: Response) => res.redirect(302, `${WEB_UI_PATH}/`));
  router.use(WEB_UI_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('content-security-policy', WEB_UI_CSP);
    next();
  });
  router.use(
    WEB_UI_PATH,
    express.static(dir, {
      index: 'index.html',
      // /ui -> /ui/ so the pages' relative URLs resolve under /ui/
      redirect: true,
      dotfiles: 'ignore',
      // revalidated on every load (ETag): a new version of acervo shows its new UI at once
      maxAge: 0,
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    }),
  );
  return router;
}
