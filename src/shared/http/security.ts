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
