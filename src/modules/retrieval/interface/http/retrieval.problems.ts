import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the search and embedder admin routes for Swagger, each copied from a real response of a running acervo
// (the error provoked on purpose: bad input, a fake provider answering 500 or hanging, a closed port; DATABASE.* from
// the app with its embedded database stopped, or its connection given a 1 ms statement_timeout). Keep them real:
// when a message changes, provoke the error again and paste the new body.

/** POST /v1/search */
export const SEARCH_PROBLEMS: ProblemExample[] = [
  {
    summary: 'top_k above retrieval.search.maxTopK',
    value: {
      type: 'https://acervo.dev/problems/retrieval-invalid-query',
      title: 'Bad Request',
      status: 400,
      detail: 'top_k must be at most 100',
      code: 'RETRIEVAL.INVALID_QUERY',
      errors: [
        {
          field: 'top_k',
          message: 'top_k must be at most 100',
        },
      ],
      instance: '/v1/search',
      requestId: '167f6948-39ed-4ef7-90d4-f81d2655f597',
    },
  },
  {
    summary: 'empty query and unknown mode',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: query: query should not be empty; mode: mode must be one of the following values: vector, text, hybrid',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'query',
          message: 'query should not be empty',
        },
        {
          field: 'mode',
          message: 'mode must be one of the following values: vector, text, hybrid',
        },
      ],
      instance: '/v1/search',
      requestId: 'b5d7dcce-812c-451a-919f-995c457951e8',
    },
  },
  {
    summary: 'JSON nested deeper than http.json.maxDepth (32 levels)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-deep',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body nests objects and arrays deeper than 32 levels (http.json.maxDepth)',
      code: 'REQUEST.JSON_TOO_DEEP',
      errors: [
        {
          field: 'filters.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
          message: 'nested deeper than 32 levels',
        },
      ],
      instance: '/v1/search',
      requestId: '32d1b3a6-5e28-47db-b425-da324936097e',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in the query',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'query contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'query',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/search',
      requestId: 'ebcf4bb0-b1bc-46c6-ac21-100a78909a42',
    },
  },
  {
    summary: 'filters naming more keys than retrieval.filters.maxKeys (32)',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: filters: filters may name at most 32 metadata keys, not 33 (retrieval.filters.maxKeys)',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'filters',
          message: 'filters may name at most 32 metadata keys, not 33 (retrieval.filters.maxKeys)',
        },
      ],
      instance: '/v1/search',
      requestId: '1522d72d-2ac6-415b-aa56-965aa8e9e49a',
    },
  },
  {
    summary: 'unknown collection',
    value: {
      type: 'https://acervo.dev/problems/retrieval-collection-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Collection "manuais" does not exist (nothing has been ingested into it).',
      code: 'RETRIEVAL.COLLECTION_NOT_FOUND',
      collection: 'manuais',
      instance: '/v1/search',
      requestId: '22c41f52-b25d-4f37-a410-c9da9bb00d8a',
    },
  },
  {
    summary: 'the collection was built with another embedder than the active one',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-mismatch',
      title: 'Conflict',
      status: 409,
      detail:
        'Collection "default" was built with embedder hashing:v1:384 (384-d); the active embedder is openai:text-embedding-3-small:1536 (1536-d). Vectors from different embedders cannot be mixed: switch the embedder back or re-index the collection.',
      code: 'RETRIEVAL.EMBEDDER_MISMATCH',
      collection: 'default',
      collectionEmbedder: 'hashing:v1:384',
      activeEmbedder: 'openai:text-embedding-3-small:1536',
      instance: '/v1/search',
      requestId: '741ad568-c9c4-47af-9a8d-eb8633a90d4c',
    },
  },
  {
    summary: 'more object keys than http.json.maxKeys (1000)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-many-keys',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body has more than 1000 object keys (http.json.maxKeys)',
      code: 'REQUEST.JSON_TOO_MANY_KEYS',
      instance: '/v1/search',
      requestId: 'c28120c9-468b-4fcf-9ebb-ee9a68b9a37e',
    },
  },
  {
    summary: 'body that is not JSON',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'POST /v1/search takes application/json, not application/x-www-form-urlencoded',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/search',
      requestId: '9c09bbcf-bc3b-4742-ac36-00de3e0ea8b2',
    },
  },
  {
    summary: 'the embedder answered an error',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'Embedder "openai" failed: 500 internal error',
      code: 'RETRIEVAL.EMBEDDER_FAILED',
      provider: 'openai',
      instance: '/v1/search',
      requestId: '0a0d92ec-e04c-46d8-867f-0454b1f6b68b',
    },
  },
  {
    summary: 'the embedder cannot be reached',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Embedder "openai" is unavailable: cannot connect to http://127.0.0.1:3931 (ECONNREFUSED)',
      code: 'RETRIEVAL.EMBEDDER_UNAVAILABLE',
      provider: 'openai',
      instance: '/v1/search',
      requestId: 'e890ae56-64ed-4cb6-909c-e02c8fbd44da',
    },
  },
  {
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/search',
      requestId: '419bbc35-84c4-406b-95b5-a8a27259c3a2',
    },
  },
  {
    summary: 'the database is restarting or cannot be reached',
    value: {
      type: 'https://acervo.dev/problems/database-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The database is unavailable (restarting, or its connection was lost). Retry in a moment.',
      code: 'DATABASE.UNAVAILABLE',
      instance: '/v1/search',
      requestId: 'b077c6c2-9493-4a64-a5b7-23e05eec27b0',
    },
  },
  {
    summary: 'the embedder did not answer in time',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'Embedder "openai" failed: no response from http://127.0.0.1:3931 within 30000 ms',
      code: 'RETRIEVAL.EMBEDDER_TIMEOUT',
      provider: 'openai',
      instance: '/v1/search',
      requestId: '5a1c68fa-32b5-42b1-ae86-6aaf0a15b922',
    },
  },
];

/** PUT /v1/admin/models/embedder */
export const CHANGE_EMBEDDER_PROBLEMS: ProblemExample[] = [
  {
    summary: 'unknown provider',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: provider: provider must be one of: hashing, transformers, openai, ollama',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'provider',
          message: 'provider must be one of: hashing, transformers, openai, ollama',
        },
      ],
      instance: '/v1/admin/models/embedder',
      requestId: '82853d77-ed30-4650-aaaa-b7878e679265',
    },
  },
  {
    summary: 'invalid provider option',
    value: {
      type: 'https://acervo.dev/problems/retrieval-invalid-embedder',
      title: 'Bad Request',
      status: 400,
      detail: 'Invalid hashing embedder: options.dimension: Too small: expected number to be >=8',
      code: 'RETRIEVAL.INVALID_EMBEDDER',
      errors: [
        {
          field: 'options.dimension',
          message: 'Too small: expected number to be >=8',
        },
      ],
      instance: '/v1/admin/models/embedder',
      requestId: '76861035-4844-4139-89ed-0177adb175be',
    },
  },
  {
    summary: 'JSON nested deeper than http.json.maxDepth (32 levels)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-deep',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body nests objects and arrays deeper than 32 levels (http.json.maxDepth)',
      code: 'REQUEST.JSON_TOO_DEEP',
      errors: [
        {
          field: 'options.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
          message: 'nested deeper than 32 levels',
        },
      ],
      instance: '/v1/admin/models/embedder',
      requestId: 'd84c8729-d1c5-4e22-8b66-632b16d65e49',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in a collection name',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'collections[0] contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'collections[0]',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/admin/models/embedder',
      requestId: '7582ed0e-e5d1-4973-a52b-3046dbf790c6',
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
      instance: '/v1/admin/models/embedder',
      requestId: '6f41e810-7dc0-47d1-9b6e-7842af79ec09',
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
      instance: '/v1/admin/models/embedder',
      requestId: '14ec6daa-5c7f-4cf7-84a5-6a37d78e6a9e',
    },
  },
  {
    summary: 'unknown collection in `collections`',
    value: {
      type: 'https://acervo.dev/problems/retrieval-collection-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Collection "manuais" does not exist (nothing has been ingested into it).',
      code: 'RETRIEVAL.COLLECTION_NOT_FOUND',
      collection: 'manuais',
      instance: '/v1/admin/models/embedder',
      requestId: '976aebdd-d4d5-4a29-a056-70907e96b510',
    },
  },
  {
    summary: 'a re-index of the collection is still running',
    value: {
      type: 'https://acervo.dev/problems/retrieval-reindex-in-progress',
      title: 'Conflict',
      status: 409,
      detail:
        'Collection "default" is already being re-indexed (job 2fc749db-55f9-4f45-8236-246277e61f82); wait for it to finish.',
      code: 'RETRIEVAL.REINDEX_IN_PROGRESS',
      collection: 'default',
      jobId: '2fc749db-55f9-4f45-8236-246277e61f82',
      instance: '/v1/admin/models/embedder',
      requestId: 'cc1bd8e9-1b6c-40a9-ba50-dfb3a9eaad37',
    },
  },
  {
    summary: 'more object keys than http.json.maxKeys (1000)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-many-keys',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body has more than 1000 object keys (http.json.maxKeys)',
      code: 'REQUEST.JSON_TOO_MANY_KEYS',
      instance: '/v1/admin/models/embedder',
      requestId: '21cb8915-14d6-450f-baea-f9a5a248877d',
    },
  },
  {
    summary: 'body that is not JSON',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'PUT /v1/admin/models/embedder takes application/json, not application/x-www-form-urlencoded',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/admin/models/embedder',
      requestId: 'c16aa2b5-4c50-4b22-a811-4139f385c4aa',
    },
  },
  {
    summary: 'the new embedder answered an error while warming up',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'Embedder "openai" failed: 500 internal error',
      code: 'RETRIEVAL.EMBEDDER_FAILED',
      provider: 'openai',
      instance: '/v1/admin/models/embedder',
      requestId: '99286c9b-e99f-4342-9af7-8a7694f40f0c',
    },
  },
  {
    summary: 'the new embedder cannot be reached (Ollama not running)',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Embedder "ollama" is unavailable: cannot connect to http://localhost:11434 (ECONNREFUSED)',
      code: 'RETRIEVAL.EMBEDDER_UNAVAILABLE',
      provider: 'ollama',
      instance: '/v1/admin/models/embedder',
      requestId: '9e9cb0cc-4df6-4112-9178-30409cd82481',
    },
  },
  {
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/admin/models/embedder',
      requestId: '19242b90-b1f6-40dc-8165-7a95702a637a',
    },
  },
  {
    summary: 'the database is restarting or cannot be reached',
    value: {
      type: 'https://acervo.dev/problems/database-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The database is unavailable (restarting, or its connection was lost). Retry in a moment.',
      code: 'DATABASE.UNAVAILABLE',
      instance: '/v1/admin/models/embedder',
      requestId: 'f069a0e7-5119-46a1-a9f3-1ff4a2dc6982',
    },
  },
  {
    summary: 'the new embedder did not answer within its timeoutMs',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'Embedder "openai" failed: no response from http://127.0.0.1:3931 within 5000 ms',
      code: 'RETRIEVAL.EMBEDDER_TIMEOUT',
      provider: 'openai',
      instance: '/v1/admin/models/embedder',
      requestId: '817178f3-4ff0-4080-bcbe-7fc667e5e18e',
    },
  },
];

/** GET /v1/admin/models/embedder */
export const EMBEDDER_STATUS_PROBLEMS: ProblemExample[] = [
  {
    summary: 'missing or wrong admin key',
    value: {
      type: 'https://acervo.dev/problems/admin-unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid admin key is required (x-api-key or Authorization: Bearer).',
      code: 'ADMIN.UNAUTHORIZED',
      instance: '/v1/admin/models/embedder',
      requestId: '6f41e810-7dc0-47d1-9b6e-7842af79ec09',
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
      instance: '/v1/admin/models/embedder',
      requestId: '14ec6daa-5c7f-4cf7-84a5-6a37d78e6a9e',
    },
  },
];

/** GET /v1/admin/reindex */
export const LIST_REINDEX_PROBLEMS: ProblemExample[] = [
  {
    summary: 'missing or wrong admin key',
    value: {
      type: 'https://acervo.dev/problems/admin-unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid admin key is required (x-api-key or Authorization: Bearer).',
      code: 'ADMIN.UNAUTHORIZED',
      instance: '/v1/admin/reindex',
      requestId: '608d87c3-8a32-4f65-aac8-10308a8b1d43',
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
      instance: '/v1/admin/reindex',
      requestId: '89348bd1-7a54-432f-a6be-42430aad898b',
    },
  },
];

/** GET /v1/admin/reindex/{id} */
export const GET_REINDEX_PROBLEMS: ProblemExample[] = [
  {
    summary: 'id that is not a UUID',
    value: {
      type: 'https://acervo.dev/problems/request-invalid',
      title: 'Bad Request',
      status: 400,
      detail: 'Validation failed (uuid is expected)',
      code: 'REQUEST.INVALID',
      instance: '/v1/admin/reindex/123',
      requestId: '1956bf08-17be-43fb-a44f-9bcfca63cfe6',
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
      instance: '/v1/admin/reindex/2fc749db-55f9-4f45-8236-246277e61f82',
      requestId: '0046ecb1-2438-4d5c-8dd4-23a234d7dbdb',
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
      instance: '/v1/admin/reindex/2fc749db-55f9-4f45-8236-246277e61f82',
      requestId: 'af7e9f44-d0e1-465d-9b5f-a03608ee0cbb',
    },
  },
  {
    summary: 'unknown job',
    value: {
      type: 'https://acervo.dev/problems/retrieval-reindex-job-not-found',
      title: 'Not Found',
      status: 404,
      detail:
        'Re-index job 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b is unknown.',
      code: 'RETRIEVAL.REINDEX_JOB_NOT_FOUND',
      jobId: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      instance: '/v1/admin/reindex/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      requestId: 'dfca3a8e-1696-43fd-8258-4930bf9b5b04',
    },
  },
];

/** POST /v1/admin/reindex/{id}/cancel */
export const CANCEL_REINDEX_PROBLEMS: ProblemExample[] = [
  {
    summary: 'id that is not a UUID',
    value: {
      type: 'https://acervo.dev/problems/request-invalid',
      title: 'Bad Request',
      status: 400,
      detail: 'Validation failed (uuid is expected)',
      code: 'REQUEST.INVALID',
      instance: '/v1/admin/reindex/123/cancel',
      requestId: '770dab60-27aa-48c6-9b5e-d6c3e420a4fe',
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
      instance: '/v1/admin/reindex/6f78fb4b-ffae-48f8-8605-1c37be5df368/cancel',
      requestId: '7a0116e4-9173-4417-92e1-f2cc7fae2060',
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
      instance: '/v1/admin/reindex/fb79d779-5253-4ef4-a177-136e01a8f72b/cancel',
      requestId: 'c0a5081b-6547-4a3c-8427-0aac55019ff3',
    },
  },
  {
    summary: 'unknown job',
    value: {
      type: 'https://acervo.dev/problems/retrieval-reindex-job-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Re-index job 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b is unknown.',
      code: 'RETRIEVAL.REINDEX_JOB_NOT_FOUND',
      jobId: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      instance: '/v1/admin/reindex/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b/cancel',
      requestId: '65315ce3-88b6-492d-8732-e248a5ee2a75',
    },
  },
  {
    summary: 'the job completed already (or failed, or was cancelled): left as it is',
    value: {
      type: 'https://acervo.dev/problems/retrieval-reindex-not-cancellable',
      title: 'Conflict',
      status: 409,
      detail: 'Re-index job fb79d779-5253-4ef4-a177-136e01a8f72b has already completed; only a queued or running job can be cancelled.',
      code: 'RETRIEVAL.REINDEX_NOT_CANCELLABLE',
      jobId: 'fb79d779-5253-4ef4-a177-136e01a8f72b',
      instance: '/v1/admin/reindex/fb79d779-5253-4ef4-a177-136e01a8f72b/cancel',
      requestId: '4b46d45d-8f71-4b4e-8a8b-daf331e67e87',
    },
  },
];
