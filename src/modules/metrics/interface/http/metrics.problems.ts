import type { ProblemExample } from '../../../../shared/http';

// Bodies captured from a running app.

/** 401 and 403 of an admin-key route (the bodies differ only in instance and requestId). */
function adminKeyProblems(instance: string, requestIds: [string, string]): ProblemExample[] {
  return [
    {
      summary: 'missing or wrong admin key',
      value: {
        type: 'https://acervo.dev/problems/admin-unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'A valid admin key is required (x-api-key or Authorization: Bearer).',
        code: 'ADMIN.UNAUTHORIZED',
        instance,
        requestId: requestIds[0],
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
        instance,
        requestId: requestIds[1],
      },
    },
  ];
}

/** GET /v1/metrics/usage */
export const USAGE_PROBLEMS: ProblemExample[] = [
  {
    summary: 'unknown group_by',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: group_by: group_by must be one of the following values: user, model, day, month',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'group_by',
          message: 'group_by must be one of the following values: user, model, day, month',
        },
      ],
      instance: '/v1/metrics/usage?group_by=week',
      requestId: '905163e0-a756-4f71-b300-563915362a8e',
    },
  },
  {
    summary: 'from not before to',
    value: {
      type: 'https://acervo.dev/problems/metrics-invalid-range',
      title: 'Bad Request',
      status: 400,
      detail: 'from (2026-12-02) must be before to (2026-12-01)',
      code: 'METRICS.INVALID_RANGE',
      errors: [
        {
          field: 'from',
          message: 'from must be before to',
        },
      ],
      instance: '/v1/metrics/usage?from=2026-12-02&to=2026-12-01',
      requestId: '9eab3ef8-22d2-4269-9fa9-7939a1b9ef0a',
    },
  },
  ...adminKeyProblems('/v1/metrics/usage', [
    '513e8f75-710e-4e82-adcb-04347b83aa52',
    '98d59dd9-3463-44b7-813f-ad1468713015',
  ]),
];

/** GET /v1/metrics/report */
export const REPORT_PROBLEMS: ProblemExample[] = [
  {
    summary: 'unknown format',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: format: format must be one of the following values: json, csv, html',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'format',
          message: 'format must be one of the following values: json, csv, html',
        },
      ],
      instance: '/v1/metrics/report?format=pdf',
      requestId: '449f16b4-e813-44cb-b197-fe78e8ba1f7d',
    },
  },
  ...adminKeyProblems('/v1/metrics/report', [
    '631a15b6-cfdb-4d3b-9bc5-068c93e00565',
    'e1d0ea0a-f9a4-485e-841e-bb5231c0eb0d',
  ]),
];
