import type { Request, Response } from 'express';
import type { ProblemDetails } from './problem-details.filter';

/**
 * The OpenAI-compatible routes (POST /v1/chat/completions, GET /v1/models, GET /v1/models/{id}). Their errors leave
 * in OpenAI's error shape, the one the OpenAI SDKs read (`error.message`); every other route answers problem+json.
 */
export const OPENAI_COMPAT_ROUTE = /^\/v1\/(chat\/completions|models(\/[^/]+)?)\/?$/;

/** OpenAI's error body: `message` is the problem's detail, `code` its stable acervo code, `param` the first field in error. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export function openAiErrorOf(problem: ProblemDetails): OpenAiErrorBody {
  const type =
    problem.code === 'QUOTA.EXCEEDED'
      ? 'insufficient_quota'
      : problem.status >= 500
        ? 'server_error'
        : (({ 401: 'authentication_error', 403: 'permission_error', 429: 'rate_limit_error' }) as Record<number, string>)[problem.status] ?? 'invalid_request_error';
  return { error: { message: problem.detail, type, code: problem.code, param: problem.errors?.[0]?.field ?? null } };
}

/** Writes an error response: OpenAI's shape on the OpenAI-compatible routes (same status), application/problem+json elsewhere. */
export function sendProblem(req: Request, res: Response, problem: ProblemDetails): void {
  if (OPENAI_COMPAT_ROUTE.test(req.path)) res.status(problem.status).json(openAiErrorOf(problem));
  else res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
