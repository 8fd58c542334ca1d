import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, type ApiResponseOptions, ApiSchema } from '@nestjs/swagger';
import type { ProblemDetails } from '../errors/problem-details.filter';
import { openAiErrorOf } from '../errors/openai-error';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

export class FieldErrorDto {
  @ApiProperty({ example: 'top_k' }) field!: string;
  @ApiProperty({ example: 'top_k must not be greater than 50' }) message!: string;
}

/** RFC 9457 problem details, as every error leaves acervo (content type application/problem+json). */
@ApiSchema({
  description:
    'RFC 9457 problem details. Some codes add extension members that name what failed: `collection`, `document`, `url`, ' +
    '`provider`, `jobId`, `supported`, `collectionEmbedder` / `activeEmbedder`.',
})
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://acervo.dev/problems/request-validation' }) type!: string;
  @ApiProperty({ example: 'Bad Request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'Request validation failed: top_k: top_k must not be greater than 50' })
  detail!: string;
  @ApiProperty({ example: 'REQUEST.VALIDATION', description: 'Stable machine-readable code' }) code!: string;
  @ApiPropertyOptional({ example: '/v1/ask', description: 'The request path' }) instance?: string;
  @ApiPropertyOptional({
    example: 'a654f993-d790-43a6-b4c8-62909d48c884',
    description: 'Also sent as the x-request-id header and logged',
  })
  requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Field errors (400)' }) errors?: FieldErrorDto[];
}

/** A problem+json body as acervo sends it (the filter's own type): the core members plus a code's extension members. */
export type ProblemBody = ProblemDetails;

/**
 * One documented error of a route: a body copied from a real response of a running acervo (provoke the
 * error, copy the body), so the docs show what a client will really read, status by status.
 */
export interface ProblemExample {
  /** What provokes it, shown in Swagger UI's example picker. */
  summary: string;
  value: ProblemBody;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (field errors in `errors[]`)',
  401: 'Missing or wrong admin key',
  403: 'Admin endpoints disabled (no ADMIN_API_KEY)',
  404: 'Not found',
  409: 'Conflict with the stored state (embedder mismatch, re-index in progress)',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Well-formed but unprocessable (empty or unreadable document)',
  502: 'An upstream provider answered with an error',
  503: 'A dependency is unavailable',
  504: 'An upstream provider timed out',
};

/**
 * Documents the problem+json responses of a route, one response per status with its own example bodies.
 * Give ProblemExamples (bodies from a running app); a bare status is documented without an example,
 * which test/openapi.e2e-spec.ts reports.
 */
export function ApiProblems(...problems: Array<ProblemExample | number>) {
  return errorResponses(problems, (examples) => ({
    'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetailsDto' }, ...(examples.length ? { examples: named(examples, (v) => v) } : {}) },
  }));
}

const OPENAI_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'code', 'param'],
      properties: {
        message: { type: 'string', description: "The problem's detail" },
        type: { type: 'string', enum: ['invalid_request_error', 'authentication_error', 'permission_error', 'rate_limit_error', 'insufficient_quota', 'server_error'] },
        code: { type: 'string', description: "acervo's stable code (the problem's `code`)" },
        param: { type: 'string', nullable: true, description: 'The first field in error, if any' },
      },
    },
  },
};

/**
 * The error responses of an OpenAI-compatible route: OpenAI's error body (application/json) with the status the
 * problem has, its examples converted from problem bodies of a running acervo (openAiErrorOf, as the app sends them).
 */
export function ApiOpenAiErrors(...problems: ProblemExample[]) {
  return errorResponses(problems, (examples) => ({
    'application/json': { schema: OPENAI_ERROR_SCHEMA, examples: named(examples, (v) => openAiErrorOf(v)) },
  }));
}

/** One response per status, its content built from that status's examples. */
function errorResponses(problems: Array<ProblemExample | number>, content: (examples: ProblemExample[]) => NonNullable<ApiResponseOptions['content']>) {
  const byStatus = new Map<number, ProblemExample[]>();
  for (const p of problems) {
    const status = typeof p === 'number' ? p : p.value.status;
    const list = byStatus.get(status) ?? [];
    if (typeof p !== 'number') list.push(p);
    byStatus.set(status, list);
  }
  return applyDecorators(
    ...[...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, examples]) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', content: content(examples) })),
  );
}

/** Examples keyed by code (a repeated code gets a number), each body mapped by `body`. */
function named(examples: ProblemExample[], body: (value: ProblemBody) => unknown): Record<string, { summary: string; value: unknown }> {
  const out: Record<string, { summary: string; value: unknown }> = {};
  for (const e of examples) {
    let key = e.value.code;
    for (let i = 2; key in out; i++) key = `${e.value.code} (${i})`;
    out[key] = { summary: e.summary, value: body(e.value) };
  }
  return out;
}
