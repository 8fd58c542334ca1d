import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { DomainError } from '../errors/domain-error';

/** What configureApp passes: http.cors, http.securityHeaders, http.json.maxBytes and the ingestion file limit. */
export interface HttpSecurityConfig {
  cors: { origins: string[]; maxAgeSeconds: number };
  securityHeaders: boolean;
  jsonMaxBytes: number;
  documentsMaxBytes: number;
}

/**
 * Helmet's headers (issue 11, seed 004). Its default Content-Security-Policy suits Swagger UI at /docs (scripts
 * from 'self', inline styles, data: images), except `upgrade-insecure-requests`, dropped: acervo is often served
 * over plain HTTP inside a network (or behind a proxy that terminates TLS), where it would break /docs.
 */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}

/**
 * CORS from http.cors.origins: nothing when empty; `*` any origin; otherwise exactly the listed ones (a preflight
 * from another origin is answered without Access-Control-Allow-Origin, so the browser refuses it). Credentials
 * travel in headers (x-api-key, Authorization), never cookies, so no Access-Control-Allow-Credentials.
 */
export function enableCors(app: NestExpressApplication, cors: HttpSecurityConfig['cors']): void {
  if (!cors.origins.length) return;
  app.enableCors({
    origin: cors.origins.includes('*') ? '*' : cors.origins,
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after', 'location'],
    maxAge: cors.maxAgeSeconds,
  });
}

/**
 * Whether a browser page of `origin` may call this service. Allowed: no Origin (not a browser: servers, scripts, curl),
 * the service's own origin (the page's scheme and the Host it sent the request to, ":443" and ":80" being the
 * defaults: behind a reverse proxy, one that forwards the public Host, or the public origin listed), and the origins of
 * http.cors.origins ("*": any). Not a defence against DNS rebinding (SECURITY.md).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return true;
  const asked = originOf(origin);
  if (!asked) return false;
  if (allowed.includes('*') || allowed.some((a) => originOf(a) === asked)) return true;
  return !!host && originOf(`${new URL(asked).protocol}//${host}`) === asked;
}

/**
 * `scheme://host[:port]` in one spelling (lowercase host, default port left out); undefined for "null" or garbage.
 * Origins of other schemes than http(s) (a browser extension's `chrome-extension://<id>`, a desktop app's
 * `tauri://localhost`) have no URL origin: they are compared as their lowercased scheme and host.
 */
function originOf(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.origin !== 'null') return url.origin;
    return url.host ? `${url.protocol}//${url.host}`.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a write (POST, PUT, PATCH, DELETE) sent by a browser page of another origin: 403 AUTH.ORIGIN_NOT_ALLOWED.
 * CORS only keeps such a page from reading the answer; a "simple" request (an HTML form posting multipart/form-data
 * to /v1/documents, a text/plain POST) is still sent and carried out, so in auth.mode open any page a user visits
 * could write into an acervo it can reach (one on localhost, on the office network). The origin is the Origin header,
 * or, for a browser that sends none, a `Sec-Fetch-Site: cross-site`. Requests without either (servers, scripts,
 * curl) and reads are not affected; pages of http.cors.origins pass (their JSON calls are preflighted anyway).
 */
export function crossOriginWriteGuard(allowed: readonly string[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    const crossSite = origin === undefined && req.headers['sec-fetch-site'] === 'cross-site';
    if (!crossSite && originAllowed(origin, req.headers.host, allowed)) return next();
    const from = origin ?? 'another site';
    next(
      new DomainError('AUTH.ORIGIN_NOT_ALLOWED', 'forbidden', `A page from ${from} may not send ${req.method} requests here: only the service's own origin and http.cors.origins may.`, {
        origin: from,
      }),
    );
  };
}

/**
 * JSON bodies, limited per route: text ingestion (POST /v1/documents*) up to the upload limit, every other route
 * to http.json.maxBytes. Past it: 413 REQUEST.TOO_LARGE naming the limit (the error middleware answers it).
 */
export function jsonBodyParser(cfg: Pick<HttpSecurityConfig, 'jsonMaxBytes' | 'documentsMaxBytes'>): RequestHandler {
  const small = express.json({ limit: cfg.jsonMaxBytes });
  const large = express.json({ limit: cfg.documentsMaxBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    const documents = req.method === 'POST' && req.path.startsWith('/v1/documents');
    const limit = documents ? cfg.documentsMaxBytes : cfg.jsonMaxBytes;
    (documents ? large : small)(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        return next(
          new DomainError('REQUEST.TOO_LARGE', 'too_large', `The request body is larger than the ${limit} bytes this route accepts (${documents ? 'ingestion.maxFileBytes' : 'http.json.maxBytes'}).`, {
            limit_bytes: limit,
          }),
        );
      }
      next(err);
    });
  };
}
