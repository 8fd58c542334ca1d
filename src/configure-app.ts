import { INestApplication, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './shared/config';
import { bodyParserProblem, createValidationPipe, PROBLEM_TYPE_BASE, ProblemDetailsFilter } from './shared/errors';
import { ProblemDetailsDto } from './shared/http';
import { assignRequestId } from './shared/logging';
import type { Request, Response } from 'express';

/** Everything main.ts and the e2e tests share, so tests see what production sees. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req: Request, res: Response, next: () => void) => (assignRequestId(req, res), next()));
  app.use(requireJsonBodies);
  app.useBodyParser('json', { limit: Math.max(config.ingestion.maxFileBytes, 1024 * 1024) });
  // Body-parser failures (malformed JSON, body too large) answered here, before Nest rewrites them.
  app.use((err: unknown, req: Request & { id?: string }, res: Response, next: (e?: unknown) => void) => {
    const problem = bodyParserProblem(err);
    if (!problem) return next(err);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify({ ...problem, instance: req.originalUrl, requestId: req.id }));
  });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();

  const doc = new DocumentBuilder()
    .setTitle('acervo')
    .setDescription(
      'Knowledge-grounded assistant service: ingest documents, search them (hybrid pgvector + full-text), answer with citations. ' +
        'Every error is application/problem+json with a stable `code`.',
    )
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header' }, 'admin')
    .build();
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ProblemDetailsDto] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'acervo API' });
}

/** Routes that also take multipart/form-data (file uploads); every other body must be JSON. */
const MULTIPART_ROUTES = new Set(['/v1/documents']);

/**
 * A body in another media type would reach the handlers unparsed and fail validation field by field;
 * it is answered 415 up front, naming what the route accepts.
 */
function requireJsonBodies(req: Request & { id?: string }, res: Response, next: () => void): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody || req.is('application/json')) return next();
  const multipart = MULTIPART_ROUTES.has(req.path.replace(/\/+$/, ''));
  if (multipart && req.is('multipart/form-data')) return next();
  const accepted = multipart ? 'application/json or multipart/form-data' : 'application/json';
  const problem = {
    type: `${PROBLEM_TYPE_BASE}request-unsupported-media-type`,
    title: 'Unsupported Media Type',
    status: 415,
    detail: `${req.method} ${req.path} takes ${accepted}, not ${req.headers['content-type'] ?? 'a body without content-type'}`,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    instance: req.originalUrl,
    requestId: req.id,
  };
  res.status(415).type('application/problem+json').send(JSON.stringify(problem));
}

export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true, bodyParser: false, abortOnError: false });
  configureApp(app, config);
  return app;
}

export type { INestApplication };
