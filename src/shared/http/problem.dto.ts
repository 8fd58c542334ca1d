import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema } from '@nestjs/swagger';
import type { ProblemDetails } from '../errors/problem-details.filter';

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
      .map(([status, examples]) => {
        const named: Record<string, { summary: string; value: ProblemBody }> = {};
        for (const e of examples) {
          let key = e.value.code;
          for (let i = 2; key in named; i++) key = `${e.value.code} (${i})`;
          named[key] = { summary: e.summary, value: e.value };
        }
        return ApiResponse({
          status,
          description: DESCRIPTIONS[status] ?? 'Error',
          content: {
            'application/problem+json': {
              schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
              ...(examples.length ? { examples: named } : {}),
            },
          },
        });
      }),
  );
}
