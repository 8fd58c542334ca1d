import { ExpressAdapter } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PROBLEM_TYPE_BASE } from '../errors/problem-details.filter';
import { sendProblem } from '../errors/openai-error';

/** What an Express 5 router layer of a route holds (router 2.x): the route's methods, and its path matchers. */
interface RouteLayer {
  route?: { methods?: Record<string, boolean> };
  matchers?: Array<(path: string) => unknown>;
}

/** The order methods are listed in an Allow header; others (none today) follow, in the alphabet's. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const rank = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);

/**
 * A request that no route took, to a path some route serves with other methods (`DELETE /v1/ask`): 405
 * REQUEST.METHOD_NOT_ALLOWED with an Allow header listing them (HEAD with GET, as Express serves it, and OPTIONS,
 * which is answered 204 with that header when no CORS preflight handler took it), as
 * problem+json (OpenAI's error shape on the OpenAI-compatible routes). A path no route serves goes on to the 404.
 * The routes are read once, from the router's layers, with the router's own path matchers (so case-sensitive and
 * trailing-slash rules are the routing's); it must run after every route, where no route matched the method.
 */
export function methodNotAllowed(layers: readonly RouteLayer[]): RequestHandler {
  const routes = layers.flatMap((layer) => {
    const methods = Object.keys(layer.route?.methods ?? {}).filter((m) => m !== '_all' && layer.route!.methods![m]);
    return layer.matchers?.length && methods.length ? [{ matchers: layer.matchers, methods: methods.map((m) => m.toUpperCase()) }] : [];
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const allowed = new Set<string>();
    for (const r of routes) if (r.matchers.some((match) => match(req.path))) for (const m of r.methods) allowed.add(m);
    if (!allowed.size || allowed.has(req.method)) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    const allow = [...allowed].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    res.setHeader('Allow', allow.join(', '));
    // OPTIONS on a known path (no CORS preflight handler took it: cross-origin is off) says what it takes
    if (req.method === 'OPTIONS') return void res.status(204).end();
    sendProblem(req, res, {
      type: `${PROBLEM_TYPE_BASE}request-method-not-allowed`,
      title: 'Method Not Allowed',
      status: 405,
      detail: `${req.method} is not allowed on ${req.path}: it takes ${allow.join(', ')}.`,
      code: 'REQUEST.METHOD_NOT_ALLOWED',
      allow,
      instance: req.originalUrl,
      ...(req.id !== undefined ? { requestId: String(req.id) } : {}),
    });
  };
}

/**
 * Nest's Express adapter, answering 405 for a known path asked with another method: Nest adds its not-found handler
 * (the 404) after the last route at boot, and methodNotAllowed goes just before it, built from the routes then.
 */
export class MethodAwareExpressAdapter extends ExpressAdapter {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  override setNotFoundHandler(handler: Function, prefix?: string) {
    const router = (this.getInstance() as { router?: { stack?: RouteLayer[] } }).router;
    this.use(methodNotAllowed(router?.stack ?? []));
    return super.setNotFoundHandler(handler, prefix);
  }
}
