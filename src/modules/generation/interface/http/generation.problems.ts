import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the ask and LLM admin routes for Swagger, each copied from a real response of a running acervo
// (the error provoked on purpose: bad input, a fake provider answering 500 or hanging, a closed port). Keep them
// real: when a message changes, provoke the error again and paste the new body.

/** POST /v1/ask */
export const ASK_PROBLEMS: ProblemExample[] = [
  {
    summary: 'top_k above 50',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: top_k: top_k must not be greater than 50',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'top_k',
          message: 'top_k must not be greater than 50',
        },
      ],
      instance: '/v1/ask',
      requestId: 'a654f993-d790-43a6-b4c8-62909d48c884',
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
      instance: '/v1/ask',
      requestId: 'cc908cfb-af9f-4c58-b91b-1731de597991',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in the question',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'question contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'question',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/ask',
      requestId: 'de3c1f67-7dd8-4802-9401-aa303d60dbd4',
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
      instance: '/v1/ask',
      requestId: '16dfe430-d88c-40db-88b7-8eb1e7c6d7ce',
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
      instance: '/v1/ask',
      requestId: '870f0d2c-9cfe-4f3e-88d8-e94bfe41bb71',
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
      instance: '/v1/ask',
      requestId: '85f91f6c-6b6e-406e-80b3-0d96dd2cdfa1',
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
      instance: '/v1/ask',
      requestId: 'd3887129-e31d-4be3-a275-1a1dcab4e156',
    },
  },
  {
    summary: 'body that is not JSON',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'POST /v1/ask takes application/json, not application/x-www-form-urlencoded',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/ask',
      requestId: '27a522ec-f5c0-4a8e-aeca-0452d6b00888',
    },
  },
  {
    summary: 'the LLM answered an error',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'LLM provider "openai" failed: HTTP 500 from http://127.0.0.1:3932: internal error',
      code: 'GENERATION.LLM_FAILED',
      provider: 'openai',
      instance: '/v1/ask',
      requestId: '75b2821e-e319-4e59-8255-35f7d4ab697a',
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
      instance: '/v1/ask',
      requestId: 'e8118760-d56c-416d-b4b0-e5ee2e6eb3f3',
    },
  },
  {
    summary: 'the LLM cannot be reached',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'LLM provider "openai" is unavailable: cannot connect to http://127.0.0.1:3932 (ECONNREFUSED)',
      code: 'GENERATION.LLM_UNAVAILABLE',
      provider: 'openai',
      instance: '/v1/ask',
      requestId: 'd8585940-fb71-480e-a1ed-bdb3d5b60b50',
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
      instance: '/v1/ask',
      requestId: '2d989ced-d39d-42f3-8c73-11f9c99707fa',
    },
  },
  {
    summary: 'the LLM did not answer within generation.llm.timeoutMs',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'LLM provider "openai" did not answer within 60000 ms',
      code: 'GENERATION.LLM_TIMEOUT',
      provider: 'openai',
      instance: '/v1/ask',
      requestId: 'badf63fe-01f3-4e03-b8d4-1276a7cd7b39',
    },
  },
  {
    summary:
      'more requests in flight than http.backpressure.maxInFlight (64 by default; this one captured with 1)',
    value: {
      type: 'https://acervo.dev/problems/request-overloaded',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The server is at its limit of 1 requests in flight (http.backpressure.maxInFlight). Retry later.',
      code: 'REQUEST.OVERLOADED',
      instance: '/v1/ask',
      requestId: '88ad9a95-9d0d-4a8c-8fdc-533f059510d5',
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
      instance: '/v1/ask',
      requestId: '4749c27f-db58-4dc0-aba6-501514702d49',
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
      instance: '/v1/ask',
      requestId: '39240797-da8a-4e7c-a307-6223d9158388',
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
      instance: '/v1/ask',
      requestId: '3adf0dce-2c3f-45c7-b2e9-96b6eccb2341',
    },
  },
];

/** PUT /v1/admin/models/llm */
export const SWAP_LLM_PROBLEMS: ProblemExample[] = [
  {
    summary: 'unknown provider',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: provider: provider must be one of the following values: extractive, openai, groq, ollama',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'provider',
          message: 'provider must be one of the following values: extractive, openai, groq, ollama',
        },
      ],
      instance: '/v1/admin/models/llm',
      requestId: 'b5bf0d0b-da3b-4f11-8f31-adc3c12eeb34',
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
      instance: '/v1/admin/models/llm',
      requestId: 'b0d666a6-d505-4c25-bf97-474bca0e5505',
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
      instance: '/v1/admin/models/llm',
      requestId: 'e92b701e-443f-485e-b616-07ff30ff92bd',
    },
  },
  {
    summary: 'body that is not JSON',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'PUT /v1/admin/models/llm takes application/json, not application/x-www-form-urlencoded',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/admin/models/llm',
      requestId: '4340e530-9b7b-453f-abb0-54edd1ae3b34',
    },
  },
  {
    summary: 'the new LLM answered an error to its probe',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'LLM provider "openai" failed: HTTP 500 from http://127.0.0.1:3932: internal error',
      code: 'GENERATION.LLM_FAILED',
      provider: 'openai',
      instance: '/v1/admin/models/llm',
      requestId: '6f39edc1-8ad8-40ea-86bb-08437cad761e',
    },
  },
  {
    summary: 'the new LLM cannot be reached (Ollama not running)',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'LLM provider "ollama" is unavailable: cannot connect to http://localhost:11434 (ECONNREFUSED)',
      code: 'GENERATION.LLM_UNAVAILABLE',
      provider: 'ollama',
      instance: '/v1/admin/models/llm',
      requestId: '4db7a99d-ce05-4fe0-b40d-624473d33ebd',
    },
  },
  {
    summary: 'OpenAI without an API key',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'LLM provider "openai" is unavailable: no API key: set OPENAI_API_KEY (generation.llm.openai.apiKey)',
      code: 'GENERATION.LLM_UNAVAILABLE',
      provider: 'openai',
      instance: '/v1/admin/models/llm',
      requestId: '2209044d-176f-4e9a-aa6a-f4d94ccd4630',
    },
  },
  {
    summary: 'the new LLM did not answer its probe in 10 s',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'LLM provider "openai" is unavailable: probe did not answer within 10000 ms',
      code: 'GENERATION.LLM_UNAVAILABLE',
      provider: 'openai',
      instance: '/v1/admin/models/llm',
      requestId: 'c1989bd5-6e41-4729-aee2-525abc3ee57a',
    },
  },
];

/** POST /v1/admin/config/reload */
export const RELOAD_CONFIG_PROBLEMS: ProblemExample[] = [
  {
    summary: 'the YAML has an invalid value (nothing is applied)',
    value: {
      type: 'https://acervo.dev/problems/generation-invalid-model',
      title: 'Bad Request',
      status: 400,
      detail:
        'Invalid configuration:\n  - generation.llm.provider: Invalid option: expected one of "extractive"|"openai"|"groq"|"ollama" (allowed: extractive, openai, groq, ollama)',
      code: 'GENERATION.INVALID_MODEL',
      errors: [
        {
          field: 'config',
          message:
            'Invalid configuration:\n  - generation.llm.provider: Invalid option: expected one of "extractive"|"openai"|"groq"|"ollama" (allowed: extractive, openai, groq, ollama)',
        },
      ],
      instance: '/v1/admin/config/reload',
      requestId: 'f3de1e0f-722e-4f23-a9df-60409cbe93de',
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
      instance: '/v1/admin/config/reload',
      requestId: 'b1512f8d-1d87-4b53-97db-2b981dc24a34',
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
      instance: '/v1/admin/config/reload',
      requestId: '1e2b0f5f-d4fd-4e13-aac4-337df44a456f',
    },
  },
  {
    summary: 'a new embedder while a re-index is still running',
    value: {
      type: 'https://acervo.dev/problems/retrieval-reindex-in-progress',
      title: 'Conflict',
      status: 409,
      detail:
        'Collection "default" is already being re-indexed (job 9f570c00-aba4-461b-877b-285e5d189987); wait for it to finish.',
      code: 'RETRIEVAL.REINDEX_IN_PROGRESS',
      collection: 'default',
      jobId: '9f570c00-aba4-461b-877b-285e5d189987',
      instance: '/v1/admin/config/reload',
      requestId: '298f0173-046d-4f0b-9501-55c1dbdf4b28',
    },
  },
  {
    summary: 'the new LLM answered an error to its probe',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'LLM provider "openai" failed: HTTP 500 from http://127.0.0.1:3932: internal error',
      code: 'GENERATION.LLM_FAILED',
      provider: 'openai',
      instance: '/v1/admin/config/reload',
      requestId: '68cc2f4c-4dc5-484d-893b-cb327c0405a3',
    },
  },
  {
    summary: 'the new LLM cannot be reached',
    value: {
      type: 'https://acervo.dev/problems/generation-llm-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'LLM provider "ollama" is unavailable: cannot connect to http://localhost:11434 (ECONNREFUSED)',
      code: 'GENERATION.LLM_UNAVAILABLE',
      provider: 'ollama',
      instance: '/v1/admin/config/reload',
      requestId: '71e07eb3-8934-41c1-a4bb-94de9184d0b0',
    },
  },
  {
    summary: 'the new embedder did not answer while warming up',
    value: {
      type: 'https://acervo.dev/problems/retrieval-embedder-timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'Embedder "openai" failed: no response from http://127.0.0.1:3931 within 30000 ms',
      code: 'RETRIEVAL.EMBEDDER_TIMEOUT',
      provider: 'openai',
      instance: '/v1/admin/config/reload',
      requestId: '497fe297-276a-42d4-beca-f10fcb59e5a1',
    },
  },
];
