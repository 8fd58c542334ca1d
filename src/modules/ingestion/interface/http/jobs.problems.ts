import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the jobs routes for Swagger, each copied from a real response of a running acervo. Keep them
// real: when a message changes, provoke the error again and paste the new body.

/** GET /v1/jobs/{id} */
export const GET_JOB_PROBLEMS: ProblemExample[] = [
  {
    summary: 'id that is not a UUID',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'id must be a UUID',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'id',
          message: 'must be a UUID',
        },
      ],
      instance: '/v1/jobs/123',
      requestId: '75031615-3b24-435d-b85d-d131af061190',
    },
  },
  {
    summary: 'unknown id',
    value: {
      id: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      type: 'https://acervo.dev/problems/ingestion-job-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Job 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b does not exist.',
      code: 'INGESTION.JOB_NOT_FOUND',
      instance: '/v1/jobs/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      requestId: '680178e0-9657-4659-8e14-47a38668c42e',
    },
  },
];

/** GET /v1/jobs */
export const LIST_JOBS_PROBLEMS: ProblemExample[] = [
  {
    summary: 'state that is not a job state',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: state: state must be one of the following values: waiting, active, completed, failed',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'state',
          message: 'state must be one of the following values: waiting, active, completed, failed',
        },
      ],
      instance: '/v1/jobs?state=done',
      requestId: '2eb227a1-3bff-4d96-85d1-0b2a2284cd26',
    },
  },
  {
    summary: 'limit above 200',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: limit: limit must not be greater than 200',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'limit',
          message: 'limit must not be greater than 200',
        },
      ],
      instance: '/v1/jobs?limit=500',
      requestId: '59a65112-8478-4b26-9915-70a9b634919e',
    },
  },
];

/** POST /v1/documents and POST /v1/documents/url: `?async=` other than true or false */
export const ASYNC_QUERY_PROBLEM: ProblemExample = {
  summary: '?async= other than true or false',
  value: {
    type: 'https://acervo.dev/problems/ingestion-invalid-request',
    title: 'Bad Request',
    status: 400,
    detail: 'async: must be true or false',
    code: 'INGESTION.INVALID_REQUEST',
    errors: [
      {
        field: 'async',
        message: 'must be true or false',
      },
    ],
    instance: '/v1/documents?async=maybe',
    requestId: '56f46def-30da-456e-b12c-5badbaee8ba5',
  },
};
