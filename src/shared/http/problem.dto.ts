import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'top_k' }) field!: string;
  @ApiProperty({ example: 'top_k must not be greater than 100' }) message!: string;
}

/** RFC 9457 problem details, as every error leaves acervo (content type application/problem+json). */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://acervo.dev/problems/request-validation' }) type!: string;
  @ApiProperty({ example: 'Bad Request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'Request validation failed: top_k: top_k must not be greater than 100' }) detail!: string;
  @ApiProperty({ example: 'REQUEST.VALIDATION', description: 'Stable machine-readable code' }) code!: string;
  @ApiPropertyOptional({ example: '/v1/search' }) instance?: string;
  @ApiPropertyOptional({ example: '5b0c2c5e-6f7e-4a4c-9a59-3f0f1d7c2a10' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation errors in `errors[]`)',
  401: 'Missing or wrong credentials',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict with the stored state (e.g. embedder mismatch)',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Well-formed but unprocessable (empty or unreadable document)',
  502: 'An upstream provider answered with an error',
  503: 'A dependency is unavailable',
  504: 'An upstream provider timed out',
};

/** Documents problem+json error responses on an endpoint. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetailsDto' } } },
      }),
    ),
  );
}
