import type { ProblemExample } from '../http/problem.dto';

// Problem bodies of GET /v1/admin/audit, each copied from a real response (the error provoked on purpose).

/** GET /v1/admin/audit */
export const AUDIT_PROBLEMS: ProblemExample[] = [
  {
    summary: 'bad paging or action filter',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: limit: limit must not be less than 1; action: action must be a dotted lower-case name such as model.llm.swap',
      code: 'REQUEST.VALIDATION',
      errors: [
        { field: 'limit', message: 'limit must not be less than 1' },
        { field: 'action', message: 'action must be a dotted lower-case name such as model.llm.swap' },
      ],
      instance: '/v1/admin/audit?limit=0&action=DROP%20TABLE',
      requestId: '0857fabf-23fb-4fa0-b36b-fcdbe757d600',
    },
  },
  {
    summary: 'missing or wrong admin key',
    value: {
      type: 'https://acervo.dev/problems/admin-unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid admin key is required (x-api-key or Authorization: Bearer).',
      code: 'ADMIN.UNAUTHORIZED',
      instance: '/v1/admin/audit',
      requestId: '5d2e8f41-7a3b-4c6d-9e0f-1a2b3c4d5e6f',
    },
  },
  {
    summary: 'ADMIN_API_KEY is not set',
    value: {
      type: 'https://acervo.dev/problems/admin-disabled',
      title: 'Forbidden',
      status: 403,
      detail: 'Admin endpoints are disabled: set ADMIN_API_KEY to enable them.',
      code: 'ADMIN.DISABLED',
      instance: '/v1/admin/audit',
      requestId: '8c1f4a27-3e5d-4b9a-a0c2-6d7e8f9a0b1c',
    },
  },
];
