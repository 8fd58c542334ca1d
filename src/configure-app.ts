import { INestApplication, VersioningType } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule, type TagObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './shared/config';
import { bodyParserProblem, createValidationPipe, ProblemDetailsFilter, sendProblem } from './shared/errors';
import { PrometheusMetrics } from './modules/metrics';
import { configureMetadataFilterLimits } from './modules/retrieval';
import { HealthRegistry } from './shared/health';
import {
  answerClientErrors, crossOriginWriteGuard, enableCors, GracefulShutdown, GuardedWsAdapter, JsonBodyInterceptor, jsonBodyParser, jsonInputGuard, LoadShedder, MethodAwareExpressAdapter,
  ProblemDetailsDto, securityHeaders, webUi,
} from './shared/http';
import { assignRequestId, bootLogger } from './shared/logging';
import type { Request, Response } from 'express';
import type { DestinationStream } from 'pino';

/**
 * Everything main.ts and the e2e tests share, so tests see what production sees. Returns the graceful shutdown,
 * whose signal handling only main.ts turns on (createApp's `handleSignals`).
 */
export function configureApp(app: NestExpressApplication, config: AppConfig): GracefulShutdown {
  app.useLogger(app.get(Logger));
  // Very first: every request is counted until it finishes, so a SIGTERM drains them (http.shutdown).
  const shutdown = new GracefulShutdown(config.http.shutdown);
  app.use(shutdown.middleware);
  app.get(HealthRegistry).register(shutdown.readinessCheck());
  // Prometheus (GET /metrics): every request counted by route and status, shed and failed ones included.
  app.use(app.get(PrometheusMetrics).middleware);
  // What Node's HTTP parser refuses (a head past 16 KB, a URL too long, bytes that are not HTTP) answered as problem+json.
  answerClientErrors(app.getHttpServer());
  // First: a request past http.backpressure.maxInFlight is answered 503 before anything else runs.
  const shedder = new LoadShedder(config.http.backpressure);
  app.use(shedder.middleware);
  // WebSocket gateways (the chat at /v1/chat/ws) on the `ws` library, on the HTTP server's port: each message held to
  // http.json's limits and counted in the same in-flight budget as requests; sockets capped and timed out (http.ws).
  app.useWebSocketAdapter(new GuardedWsAdapter(app, config.http.json, shedder, config.http.ws));
  app.get(HealthRegistry).register(shedder.readinessCheck());
  app.disable('x-powered-by');
  // whose X-Forwarded-For names the client (http.trustProxy): the address rate limits and credential counts go by
  app.set('trust proxy', config.http.trustProxy);
  app.use((req: Request, res: Response, next: () => void) => (assignRequestId(req, res), next()));
  // Helmet's headers (http.securityHeaders) and CORS (http.cors.origins; none by default): every answer, errors too.
  if (config.http.securityHeaders) app.use(securityHeaders());
  enableCors(app, config.http.cors);
  // The web UI (ui/: HTML, CSS, ES modules) at /ui/ with its own strict CSP; GET / redirects there.
  app.use(webUi());
  // A write from a page of another origin (an HTML form posting an upload): 403, before its body is read.
  app.use(crossOriginWriteGuard(config.http.cors.origins));
  // JSON bodies limited per route: text ingestion up to the upload limit, the rest to http.json.maxBytes (413).
  app.use(jsonBodyParser({ jsonMaxBytes: config.http.json.maxBytes, documentsMaxBytes: Math.max(config.ingestion.maxFileBytes, config.http.json.maxBytes) }));
  // Every JSON body and query string: depth, key count, lone surrogates (http.json), before routing and validation.
  app.use(jsonInputGuard(config.http.json));
  configureMetadataFilterLimits(config.retrieval.filters);
  // Body-parser and input-guard failures (malformed JSON, body too large or too deep) answered here, before Nest rewrites them.
  app.use((err: unknown, req: Request & { id?: string }, res: Response, next: (e?: unknown) => void) => {
    const problem = bodyParserProblem(err);
    if (!problem) return next(err);
    sendProblem(req, res, { ...problem, instance: req.originalUrl, requestId: req.id });
  });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter({ retryAfterSeconds: config.http.backpressure.retryAfterSeconds }));
  app.useGlobalInterceptors(new JsonBodyInterceptor(app.get(Reflector)));

  const doc = new DocumentBuilder()
    .setTitle('acervo')
    .setDescription(
      'Knowledge-grounded assistant service: ingest documents, search them (hybrid pgvector + full-text), answer with citations. ' +
        'Every error is application/problem+json with a stable `code`.',
    )
    .setVersion('0.1.0')
    .addApiKey({ type: 'apiKey', name: 'x-api-key', in: 'header', description: 'An API key (npm run keys, POST /v1/admin/keys) or ADMIN_API_KEY' }, 'admin')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key', description: 'A JWT (auth.jwt) or an API key' }, 'bearer')
    // Swagger's Authorize: either scheme is sent with every operation (auth.mode required needs one everywhere).
    .addSecurityRequirements('admin')
    .addSecurityRequirements('bearer')
    .build();
  // Tags come from @ApiTags only (a controller may tag routes apart: the LLM admin routes sit under admin).
  const document = SwaggerModule.createDocument(app, doc, { extraModels: [ProblemDetailsDto], autoTagControllers: false });
  document.tags = orderedTags(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', customSiteTitle: 'acervo API' });
  return shutdown;
}

/** Swagger UI groups operations by tag in this order (the order a new user follows: ingest, search, ask). */
const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'documents', description: 'Ingest text, files and web pages; list and delete documents; collection access lists' },
  { name: 'jobs', description: 'Background jobs: big uploads and ?async=true ingests answered 202 (state, progress, result or error)' },
  { name: 'search', description: 'Hybrid search (pgvector + Portuguese full-text) over a collection' },
  { name: 'ask', description: 'Grounded answers with verified citations, or the refusal' },
  { name: 'conversations', description: 'Conversations with memory' },
  { name: 'models', description: 'The active LLM and embedder' },
  { name: 'admin', description: 'Model swaps, re-indexing and config reload (x-api-key: ADMIN_API_KEY)' },
  { name: 'metrics', description: 'Usage, cost and latency reports (x-api-key: ADMIN_API_KEY); Prometheus text at GET /metrics' },
  { name: 'health', description: 'Liveness and readiness probes' },
];

/** The tags that have routes, in TAGS order; a tag missing from TAGS comes last, never dropped. */
function orderedTags(document: OpenAPIObject): TagObject[] {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Array<{ tags?: string[] } | undefined>) for (const tag of op?.tags ?? []) used.add(tag);
  }
  const known = TAGS.filter((t) => used.has(t.name));
  const unknown = [...used].filter((name) => !TAGS.some((t) => t.name === name)).map((name) => ({ name }));
  return [...known, ...unknown];
}

/**
 * `handleSignals` (main.ts): SIGTERM/SIGINT drain the app and exit (GracefulShutdown). Not for apps sharing a
 * process with others (the e2e tests), which close themselves.
 */
export async function createApp(
  config: AppConfig,
  opts: { logDestination?: DestinationStream; handleSignals?: boolean } = {},
): Promise<NestExpressApplication> {
  // Until configureApp attaches the pino logger, Nest logs through the boot logger: the same format, and a failed
  // boot (the data dir held by another process) is one line, not a coloured stack trace.
  // Routes match the path's case exactly: `/v1/SEARCH` is 404, never the `/v1/search` handler. The guards compare paths
  // as written (which collections, whose conversations, which quota): a route that matched another case passed them
  // all (probe, session 13). Set before the router exists, which the first middleware creates.
  const server = express();
  server.set('case sensitive routing', true);
  // A known path asked with another method (DELETE /v1/ask) is 405 with Allow, not the 404 of an unknown path.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, opts), new MethodAwareExpressAdapter(server), {
    logger: bootLogger(config, opts.logDestination),
    bodyParser: false,
    abortOnError: false,
  });
  const shutdown = configureApp(app, config);
  if (opts.handleSignals) shutdown.listen(app);
  return app;
}

export type { INestApplication };
