import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the documents routes for Swagger, each copied from a real response of a running acervo
// (the error provoked on purpose: bad input, a fake provider answering 500 or hanging, a closed port). Keep them
// real: when a message changes, provoke the error again and paste the new body.

/** POST /v1/documents */
export const CREATE_DOCUMENT_PROBLEMS: ProblemExample[] = [
  {
    summary: 'JSON body without `text`',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: text: text should not be empty; text: text must be a string',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'text',
          message: 'text should not be empty',
        },
        {
          field: 'text',
          message: 'text must be a string',
        },
      ],
      instance: '/v1/documents',
      requestId: '1475304b-ed86-45b6-826d-db353e5019d8',
    },
  },
  {
    summary: 'multipart form without a file',
    value: {
      type: 'https://acervo.dev/problems/ingestion-invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'files: attach at least one file in the "files" field',
      code: 'INGESTION.INVALID_REQUEST',
      errors: [
        {
          field: 'files',
          message: 'attach at least one file in the "files" field',
        },
      ],
      instance: '/v1/documents',
      requestId: '5d2df51b-e238-48ae-b52f-3dbfe0366722',
    },
  },
  {
    summary: 'body that is not valid JSON',
    value: {
      type: 'https://acervo.dev/problems/request-malformed-json',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid JSON.',
      code: 'REQUEST.MALFORMED_JSON',
      instance: '/v1/documents',
      requestId: '6514b535-e8c7-436d-b124-6a2fe9d01063',
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
      instance: '/v1/documents',
      requestId: '8ceadade-57de-442e-82c8-fe9b3bc0bb16',
    },
  },
  {
    summary: 'uploaded file over ingestion.maxFileBytes (20 MiB)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Document "uploaded file" is larger than the limit of 20971520 bytes.',
      code: 'INGESTION.TOO_LARGE',
      document: 'uploaded file',
      instance: '/v1/documents',
      requestId: 'a55a5272-ebd8-418a-b969-12ef3570c41e',
    },
  },
  {
    summary: 'JSON body over the body limit',
    value: {
      type: 'https://acervo.dev/problems/request-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'request entity too large',
      code: 'REQUEST.TOO_LARGE',
      instance: '/v1/documents',
      requestId: 'b6ef3dcf-afab-4200-89c7-57908709e0c2',
    },
  },
  {
    summary: 'uploaded file of an unsupported type',
    value: {
      type: 'https://acervo.dev/problems/ingestion-unsupported-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail:
        'Unsupported document type: .exe (instalador.exe). Supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx, .json, .csv.',
      code: 'INGESTION.UNSUPPORTED_TYPE',
      supported: ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx', '.json', '.csv'],
      instance: '/v1/documents',
      requestId: 'e32a4c71-f352-4e87-97b9-819b2b73e7b0',
    },
  },
  {
    summary: 'body neither JSON nor multipart/form-data',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'POST /v1/documents takes application/json or multipart/form-data, not text/plain',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/documents',
      requestId: 'e81abc95-5f56-428b-8552-29c8866b491f',
    },
  },
  {
    summary: 'file with no text',
    value: {
      type: 'https://acervo.dev/problems/ingestion-empty-document',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'Document "vazio.txt" has no extractable text.',
      code: 'INGESTION.EMPTY_DOCUMENT',
      document: 'vazio.txt',
      instance: '/v1/documents',
      requestId: 'b542c61c-8c1e-4e9a-92ea-7b049a3be63b',
    },
  },
  {
    summary: 'corrupt PDF',
    value: {
      type: 'https://acervo.dev/problems/ingestion-unreadable-document',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'Document "manual.pdf" could not be read: not a readable PDF (Invalid PDF structure.)',
      code: 'INGESTION.UNREADABLE_DOCUMENT',
      document: 'manual.pdf',
      instance: '/v1/documents',
      requestId: '000ab074-adb0-4e11-90bb-2de40f69cdbc',
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
      instance: '/v1/documents',
      requestId: '3edd5e8d-6f35-49cb-8fd5-79920a9b6948',
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
      instance: '/v1/documents',
      requestId: '90b0014d-7402-49a4-bdc8-2b580e1aa62f',
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
      instance: '/v1/documents',
      requestId: '6627e031-9959-469b-823e-6d0391414840',
    },
  },
];

/** POST /v1/documents/url */
export const INGEST_URL_PROBLEMS: ProblemExample[] = [
  {
    summary: 'private or loopback address (ingestion.url.allowPrivateNetworks is false)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-url-refused',
      title: 'Bad Request',
      status: 400,
      detail:
        'URL refused: address 127.0.0.1 is private or loopback (set ingestion.url.allowPrivateNetworks to allow)',
      code: 'INGESTION.URL_REFUSED',
      errors: [
        {
          field: 'url',
          message:
            'address 127.0.0.1 is private or loopback (set ingestion.url.allowPrivateNetworks to allow)',
        },
      ],
      url: 'http://127.0.0.1:8080/interno',
      instance: '/v1/documents/url',
      requestId: '546c2ce5-b29d-422e-b275-2d5acff574ac',
    },
  },
  {
    summary: 'not an http(s) URL',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: url: url must be an http(s) URL',
      code: 'REQUEST.VALIDATION',
      errors: [
        {
          field: 'url',
          message: 'url must be an http(s) URL',
        },
      ],
      instance: '/v1/documents/url',
      requestId: '305d7990-1999-464e-bd84-6eaa79ca8b03',
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
      instance: '/v1/documents/url',
      requestId: '38a9498b-7418-436c-9b21-b3860defd506',
    },
  },
  {
    summary: 'page over ingestion.url.maxBytes (5 MiB)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Document "http://127.0.0.1:3932/pagina" is larger than the limit of 5242880 bytes.',
      code: 'INGESTION.TOO_LARGE',
      document: 'http://127.0.0.1:3932/pagina',
      instance: '/v1/documents/url',
      requestId: '611a4cb7-e8e7-493a-b92f-68f970b0319b',
    },
  },
  {
    summary: 'page of an unsupported type',
    value: {
      type: 'https://acervo.dev/problems/ingestion-unsupported-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail:
        'Unsupported document type: image/png (pagina). Supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx, .json, .csv.',
      code: 'INGESTION.UNSUPPORTED_TYPE',
      supported: ['.txt', '.md', '.markdown', '.html', '.htm', '.pdf', '.docx', '.json', '.csv'],
      instance: '/v1/documents/url',
      requestId: '25b8d4db-eb65-46e5-b6b7-774483a4c08e',
    },
  },
  {
    summary: 'body that is not JSON',
    value: {
      type: 'https://acervo.dev/problems/request-unsupported-media-type',
      title: 'Unsupported Media Type',
      status: 415,
      detail: 'POST /v1/documents/url takes application/json, not application/x-www-form-urlencoded',
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
      instance: '/v1/documents/url',
      requestId: '03bf09d0-0bca-40f5-a5fd-00e148e88e35',
    },
  },
  {
    summary: 'page with no text',
    value: {
      type: 'https://acervo.dev/problems/ingestion-empty-document',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'Document "pagina" has no extractable text.',
      code: 'INGESTION.EMPTY_DOCUMENT',
      document: 'pagina',
      instance: '/v1/documents/url',
      requestId: '5b3e07b4-ddb0-4398-b5c3-99bc4451b1a9',
    },
  },
  {
    summary: 'the site answered an error',
    value: {
      type: 'https://acervo.dev/problems/ingestion-fetch-failed',
      title: 'Bad Gateway',
      status: 502,
      detail: 'Fetching http://127.0.0.1:3932/pagina failed: the server answered HTTP 500',
      code: 'INGESTION.FETCH_FAILED',
      url: 'http://127.0.0.1:3932/pagina',
      instance: '/v1/documents/url',
      requestId: '99becca7-cefa-4db4-9a75-58a716569534',
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
      instance: '/v1/documents/url',
      requestId: '188375b6-eca5-4421-aa49-baee987c9c22',
    },
  },
  {
    summary: 'the site did not answer within ingestion.url.timeoutMs',
    value: {
      type: 'https://acervo.dev/problems/ingestion-fetch-timeout',
      title: 'Gateway Timeout',
      status: 504,
      detail: 'Fetching http://127.0.0.1:3932/pagina failed: no complete answer within 10000 ms',
      code: 'INGESTION.FETCH_TIMEOUT',
      url: 'http://127.0.0.1:3932/pagina',
      instance: '/v1/documents/url',
      requestId: '91af24c8-b2cb-467c-b914-b2c32485e413',
    },
  },
];

/** GET /v1/documents */
export const LIST_DOCUMENTS_PROBLEMS: ProblemExample[] = [
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
      instance: '/v1/documents?limit=500',
      requestId: 'fde43005-ea84-4a30-8949-3e3d225758a6',
    },
  },
  {
    summary: 'metadata that is not a JSON object',
    value: {
      type: 'https://acervo.dev/problems/ingestion-invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'metadata: must be a JSON object',
      code: 'INGESTION.INVALID_REQUEST',
      errors: [
        {
          field: 'metadata',
          message: 'must be a JSON object',
        },
      ],
      instance: '/v1/documents?metadata=%7B%22ano%22%3A',
      requestId: '4127168a-4a02-4858-9cf4-0c661ee25b7b',
    },
  },
];

/** GET /v1/documents/{id} */
export const GET_DOCUMENT_PROBLEMS: ProblemExample[] = [
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
      instance: '/v1/documents/123',
      requestId: '28234368-2fcd-41a7-81ff-eab875b3af4e',
    },
  },
  {
    summary: 'unknown id',
    value: {
      type: 'https://acervo.dev/problems/ingestion-document-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Document 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b does not exist.',
      code: 'INGESTION.DOCUMENT_NOT_FOUND',
      id: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      instance: '/v1/documents/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      requestId: '3983eb86-c420-4709-9063-895f364f0736',
    },
  },
];

/** DELETE /v1/documents/{id} */
export const DELETE_DOCUMENT_PROBLEMS: ProblemExample[] = [
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
      instance: '/v1/documents/123',
      requestId: '57266569-d944-4c2d-a741-9efb87a84c3e',
    },
  },
  {
    summary: 'unknown id',
    value: {
      type: 'https://acervo.dev/problems/ingestion-document-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Document 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b does not exist.',
      code: 'INGESTION.DOCUMENT_NOT_FOUND',
      id: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      instance: '/v1/documents/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      requestId: 'e35c3a06-697c-4ef1-8ade-626c8932924b',
    },
  },
];
