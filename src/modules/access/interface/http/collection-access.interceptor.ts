import { CallHandler, ExecutionContext, ForbiddenException, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { mergeMap, Observable } from 'rxjs';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { nfcUserId, principalOf, type Principal } from '../../../../shared/http/principal';
import { DEFAULT_COLLECTION } from '../../../retrieval';
import { AccessService } from '../../application/access.service';
import { conversationNotFound, documentNotFound, jobNotFound, modelNotFound } from '../../domain/access.errors';

/**
 * Collection isolation when auth.mode is required, for a user (or a key or token bound to collections): the
 * collection a request names (body or query `collection`, the OpenAI `model` acervo:<name>, the collection of a
 * document or job addressed by id) must be readable, or writable for ingests and deletions; otherwise the very
 * 404 an unknown collection, document or job gets. Global (APP_INTERCEPTOR) for JSON requests; a multipart
 * upload's fields exist only after multer, so POST /v1/documents also lists it after its file interceptor.
 */
/**
 * The path as the router matched it: each segment percent-decoded, as the router decodes a route's parameters
 * (`/v1/documents/%37d50…` reached the handler of document 7d50… while the id read here, still encoded, was "not
 * found", and the check was skipped: review, session 13), without trailing slashes. A segment that does not decode is
 * kept as written (the router refuses it).
 */
export function routedPath(req: Request): string {
  return req.path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

@Injectable()
export class CollectionAccessInterceptor implements NestInterceptor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccessService,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http' || this.config.auth.mode !== 'required') return next.handle();
    const req = ctx.switchToHttp().getRequest<Request>();
    const p = principalOf(req);
    if (!p || (p.role === 'admin' && !p.collections)) return next.handle();
    // Multipart fields are parsed by the route's own interceptor: checked when this runs again after it.
    if (req.is('multipart/form-data') && req.body === undefined) return next.handle();
    await this.check(req, p);
    const path = routedPath(req);
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/v1/models') return next.handle().pipe(mergeMap((body) => this.visibleModels(p, body)));
    if (read && path === '/v1/model-info') return next.handle().pipe(mergeMap((body) => this.visibleCollections(p, body)));
    return next.handle();
  }

  private async check(req: Request, p: Principal): Promise<void> {
    const path = routedPath(req);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const named = (v: unknown) => (typeof v === 'string' && v ? v : DEFAULT_COLLECTION);
    // Express answers HEAD with the GET route (its headers tell a document's size and that it exists): checked as GET
    const m = req.method === 'HEAD' ? 'GET' : req.method;
    if (m === 'POST' && (path === '/v1/search' || path === '/v1/ask')) return this.access.authorize(p, named(body.collection), 'read');
    // A follow-up without `collection` runs on its conversation's collection: that one is checked.
    if (m === 'POST' && path === '/v1/chat') return this.access.authorize(p, await this.access.chatCollection(nfcUserId(body.user_id), body.collection, body.conversation_id), 'read');
    if (m === 'POST' && path === '/v1/chat/completions') {
      const model = typeof body.model === 'string' ? body.model : '';
      return this.access.authorize(p, model.includes(':') ? named(model.split(':')[1]) : DEFAULT_COLLECTION, 'read');
    }
    if (m === 'POST' && (path === '/v1/documents' || path === '/v1/documents/url')) return this.access.authorize(p, named(body.collection), 'write');
    if (m === 'GET' && path === '/v1/documents') {
      // A user's listing is always of one collection (default when none is named), never of every collection.
      const query = { ...(req.query as Record<string, unknown>) };
      query.collection = named(query.collection);
      Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
      return this.access.authorize(p, query.collection as string, 'read');
    }
    const doc = /^\/v1\/documents\/([^/]+)$/.exec(path);
    if (doc && (m === 'GET' || m === 'DELETE')) {
      const collection = await this.access.documentCollection(doc[1]);
      if (collection === undefined) return; // the handler answers its own 404 (or 400 for a bad id)
      await this.access.authorize(p, collection, m === 'GET' ? 'read' : 'write').catch(() => Promise.reject(documentNotFound(doc[1])));
      return;
    }
    const conversation = /^\/v1\/conversations\/([^/]+)$/.exec(path);
    if (conversation && m === 'GET') {
      // Its messages quote its collection: read only by who may read that (deleting one's own stays allowed).
      const collection = await this.access.conversationCollection(conversation[1], nfcUserId((req.query as Record<string, unknown>).user_id));
      if (collection === undefined) return; // the handler answers its own 404 (or 400)
      await this.access.authorize(p, collection, 'read').catch(() => Promise.reject(conversationNotFound(conversation[1])));
      return;
    }
    const model = /^\/v1\/models\/(acervo:[^/]+)$/.exec(path);
    if (model && m === 'GET') {
      // GET /v1/models/acervo:<collection>: the 404 of an unknown model for a collection the caller may not read
      await this.access.authorize(p, model[1].slice('acervo:'.length), 'read').catch(() => Promise.reject(modelNotFound(model[1])));
      return;
    }
    const job = /^\/v1\/jobs\/([^/]+)$/.exec(path);
    if (job && m === 'GET') {
      const collection = await this.access.jobCollection(job[1]);
      if (collection === undefined) return;
      await this.access.authorize(p, collection ?? DEFAULT_COLLECTION, 'read').catch(() => Promise.reject(jobNotFound(job[1])));
      return;
    }
    if (m === 'GET' && path === '/v1/jobs') {
      throw new ForbiddenException({ message: 'The job list is for admins; follow your own job at GET /v1/jobs/{id} (its Location).', code: 'AUTH.FORBIDDEN' });
    }
  }

  /** GET /v1/models: only the collections this caller may read are named. */
  private async visibleModels(p: Principal, body: unknown): Promise<unknown> {
    const list = body as { data?: Array<{ id: string }> };
    if (!Array.isArray(list?.data)) return body;
    const readable = await this.readable(p, list.data.map((m) => (m.id.includes(':') ? m.id.split(':')[1] : undefined)));
    return { ...list, data: list.data.filter((_, i) => readable[i]) };
  }

  /** GET /v1/model-info: the collections (and the embedder each was built with) of those this caller may read. */
  private async visibleCollections(p: Principal, body: unknown): Promise<unknown> {
    const info = body as { collections?: Array<{ name: string }> };
    if (!Array.isArray(info?.collections)) return body;
    const readable = await this.readable(p, info.collections.map((c) => c.name));
    return { ...info, collections: info.collections.filter((_, i) => readable[i]) };
  }

  /** Whether p reads each collection (undefined: names none, always shown). */
  private readable(p: Principal, collections: Array<string | undefined>): Promise<boolean[]> {
    return Promise.all(collections.map((c) => (c === undefined ? true : this.access.authorize(p, c, 'read').then(() => true, () => false))));
  }
}
