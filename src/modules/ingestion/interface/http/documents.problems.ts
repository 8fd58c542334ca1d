import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the documents routes for Swagger, each copied from a real response of a running acervo
// (the error provoked on purpose: bad input, a fake provider answering 500 or hanging, a closed port; DATABASE.* from
// the app with its embedded database stopped, or its connection given a 1 ms statement_timeout). Keep them real:
// when a message changes, provoke the error again and paste the new body.

/** A request's metadata past ingestion.maxMetadataBytes (JSON body, upload field, /url). */
const METADATA_TOO_LARGE = (instance: string, requestId: string): ProblemExample => ({
  summary: 'metadata over ingestion.maxMetadataBytes (64 KiB of JSON)',
  value: {
    limit: 'ingestion.maxMetadataBytes',
    max: 65536,
    found: 70008,
    type: 'https://acervo.dev/problems/ingestion-metadata-too-large',
    title: 'Payload Too Large',
    status: 413,
    detail: 'metadata is 70008 bytes of JSON, more than the limit of 65536 (ingestion.maxMetadataBytes).',
    code: 'INGESTION.METADATA_TOO_LARGE',
    errors: [{ field: 'metadata', message: 'at most 65536 bytes of JSON (ingestion.maxMetadataBytes)' }],
    instance,
    requestId,
  },
});

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
    summary: 'JSON nested deeper than http.json.maxDepth (32 levels)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-deep',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body nests objects and arrays deeper than 32 levels (http.json.maxDepth)',
      code: 'REQUEST.JSON_TOO_DEEP',
      errors: [
        {
          field: 'metadata.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
          message: 'nested deeper than 32 levels',
        },
      ],
      instance: '/v1/documents',
      requestId: '14c05619-29b8-4be8-9bee-2d0165be2c90',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in a metadata value',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'metadata.equipe contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'metadata.equipe',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/documents',
      requestId: '9f85d9db-90dc-4810-8710-9efa6670327f',
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
  METADATA_TOO_LARGE('/v1/documents', '4b41fa4e-c2a1-47be-b4e5-40c71575a5bf'),
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
    summary: 'more object keys than http.json.maxKeys (1000)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-many-keys',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body has more than 1000 object keys (http.json.maxKeys)',
      code: 'REQUEST.JSON_TOO_MANY_KEYS',
      instance: '/v1/documents',
      requestId: '38a85e38-52ca-46bd-9f7d-58301beae6a7',
    },
  },
  {
    summary: "a .docx (or a PDF's Flate streams) inflating past ingestion.limits.maxDecompressedBytes (50 MiB)",
    value: {
      type: 'https://acervo.dev/problems/ingestion-decompressed-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail:
        'Document "relatorio.docx" has 53477656, more than the limit of 52428800 bytes once decompressed (ingestion.limits.maxDecompressedBytes).',
      code: 'INGESTION.DECOMPRESSED_TOO_LARGE',
      document: 'relatorio.docx',
      limit: 'ingestion.limits.maxDecompressedBytes',
      max: 52428800,
      found: 53477656,
      instance: '/v1/documents',
      requestId: '8caed1f3-a391-4965-b291-610865ca2b49',
    },
  },
  {
    summary: 'a PDF or .docx whose parsing needs more heap than ingestion.parse.maxMemoryMb (32 here; 512 by default)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-parse-out-of-memory',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Document "paragrafos.docx" needs more than 32 MB of memory to parse (ingestion.parse.maxMemoryMb).',
      code: 'INGESTION.PARSE_OUT_OF_MEMORY',
      document: 'paragrafos.docx',
      limit: 'ingestion.parse.maxMemoryMb',
      max: 32,
      instance: '/v1/documents',
      requestId: '5ea8e802-f9da-45d2-8b55-fc18ef3d0e32',
    },
  },
  {
    summary: 'a CSV with more rows than ingestion.limits.maxRecords (10,000)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-too-many-records',
      title: 'Payload Too Large',
      status: 413,
      detail:
        'Document "cadastro.csv" has more than the limit of 10000 records (ingestion.limits.maxRecords).',
      code: 'INGESTION.TOO_MANY_RECORDS',
      document: 'cadastro.csv',
      limit: 'ingestion.limits.maxRecords',
      max: 10000,
      instance: '/v1/documents',
      requestId: '7b641bc3-eb8b-4c59-9905-f35634d7c8c5',
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
    summary: 'a PDF or .docx still being parsed after ingestion.parse.timeoutMs (2000 here; 20000 by default)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-parse-timeout',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'Document "paragrafos.docx" took longer than 2000 ms to parse (ingestion.parse.timeoutMs).',
      code: 'INGESTION.PARSE_TIMEOUT',
      document: 'paragrafos.docx',
      limit: 'ingestion.parse.timeoutMs',
      max: 2000,
      instance: '/v1/documents',
      requestId: 'b8f081c9-2481-401b-8974-3d7bf12e3b26',
    },
  },
  {
    summary: 'a CSV wider than ingestion.limits.maxColumns (500)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-too-many-columns',
      title: 'Unprocessable Entity',
      status: 422,
      detail:
        'Document "planilha-larga.csv" has 501, more than the limit of 500 columns (ingestion.limits.maxColumns).',
      code: 'INGESTION.TOO_MANY_COLUMNS',
      document: 'planilha-larga.csv',
      limit: 'ingestion.limits.maxColumns',
      max: 500,
      found: 501,
      instance: '/v1/documents',
      requestId: 'e8016884-d99a-4333-81e3-5e2d39ca1b8f',
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
    summary: 'ingestion.parse.maxQueued PDF or .docx files already wait for a parse worker (Retry-After: 3, ingestion.parse.timeoutMs in seconds)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-parse-busy',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Document "ferias.pdf" was not parsed: 0 PDF or .docx files already wait for a parser (ingestion.parse.maxQueued). Retry later.',
      code: 'INGESTION.PARSE_BUSY',
      document: 'ferias.pdf',
      limit: 'ingestion.parse.maxQueued',
      max: 0,
      instance: '/v1/documents',
      requestId: '7ed4d08d-926f-4223-a07e-01f91e710129',
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
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/documents',
      requestId: '8f5bcbe1-f7d2-4193-bb1d-b56cf9703d3e',
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
      instance: '/v1/documents',
      requestId: '375cd667-89b4-4c6a-86e4-427e106613e9',
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
    summary: 'JSON nested deeper than http.json.maxDepth (32 levels)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-deep',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body nests objects and arrays deeper than 32 levels (http.json.maxDepth)',
      code: 'REQUEST.JSON_TOO_DEEP',
      errors: [
        {
          field: 'metadata.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
          message: 'nested deeper than 32 levels',
        },
      ],
      instance: '/v1/documents/url',
      requestId: '83b826fa-3a90-424f-ad5f-1701129e1420',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in the title',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'title contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'title',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/documents/url',
      requestId: '1e6df361-5a56-4f43-b08f-0e22d25825f7',
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
  METADATA_TOO_LARGE('/v1/documents/url', 'a9bf5cd4-a2ce-45c5-aa0d-fce3bdaacd41'),
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
    summary: 'more object keys than http.json.maxKeys (1000)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-many-keys',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body has more than 1000 object keys (http.json.maxKeys)',
      code: 'REQUEST.JSON_TOO_MANY_KEYS',
      instance: '/v1/documents/url',
      requestId: '6d40eb51-5e91-4aae-a789-1cdae0715f7f',
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
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/documents/url',
      requestId: '78918c80-e5d7-4385-925b-7adacbd85dec',
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
      instance: '/v1/documents/url',
      requestId: '4c711144-3811-4eba-b762-fdece3b45df0',
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
  {
    summary: '?metadata= nested deeper than http.json.maxDepth (32 levels)',
    value: {
      type: 'https://acervo.dev/problems/request-json-too-deep',
      title: 'Bad Request',
      status: 400,
      detail: 'metadata nests objects and arrays deeper than 32 levels (http.json.maxDepth)',
      code: 'REQUEST.JSON_TOO_DEEP',
      errors: [
        {
          field: 'metadata.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a',
          message: 'nested deeper than 32 levels',
        },
      ],
      instance:
        '/v1/documents?metadata=%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A%7B%22a%22%3A1%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D%7D',
      requestId: '24059276-d5ba-4da4-a913-a9df822a962a',
    },
  },
  {
    summary: 'a lone UTF-16 surrogate in ?metadata=',
    value: {
      type: 'https://acervo.dev/problems/request-invalid-text',
      title: 'Bad Request',
      status: 400,
      detail:
        'metadata.equipe contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
      code: 'REQUEST.INVALID_TEXT',
      errors: [
        {
          field: 'metadata.equipe',
          message:
            'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text',
        },
      ],
      instance: '/v1/documents?metadata=%7B%22equipe%22%3A%22%5Cud800%22%7D',
      requestId: '6a3b9f6d-fd67-4967-94e0-d7d9ee2b04c2',
    },
  },
  {
    summary: '?metadata= naming more keys than retrieval.filters.maxKeys (32)',
    value: {
      type: 'https://acervo.dev/problems/ingestion-invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'metadata: metadata may name at most 32 metadata keys, not 33 (retrieval.filters.maxKeys)',
      code: 'INGESTION.INVALID_REQUEST',
      errors: [
        {
          field: 'metadata',
          message: 'metadata may name at most 32 metadata keys, not 33 (retrieval.filters.maxKeys)',
        },
      ],
      instance:
        '/v1/documents?metadata=%7B%22k0%22%3A0%2C%22k1%22%3A1%2C%22k2%22%3A2%2C%22k3%22%3A3%2C%22k4%22%3A4%2C%22k5%22%3A5%2C%22k6%22%3A6%2C%22k7%22%3A7%2C%22k8%22%3A8%2C%22k9%22%3A9%2C%22k10%22%3A10%2C%22k11%22%3A11%2C%22k12%22%3A12%2C%22k13%22%3A13%2C%22k14%22%3A14%2C%22k15%22%3A15%2C%22k16%22%3A16%2C%22k17%22%3A17%2C%22k18%22%3A18%2C%22k19%22%3A19%2C%22k20%22%3A20%2C%22k21%22%3A21%2C%22k22%22%3A22%2C%22k23%22%3A23%2C%22k24%22%3A24%2C%22k25%22%3A25%2C%22k26%22%3A26%2C%22k27%22%3A27%2C%22k28%22%3A28%2C%22k29%22%3A29%2C%22k30%22%3A30%2C%22k31%22%3A31%2C%22k32%22%3A32%7D',
      requestId: '33b0522a-ebcf-4c3c-855f-72827b37db15',
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
      instance: '/v1/documents',
      requestId: '65ab7d84-01ac-40e2-9d3c-28c68a5b7036',
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
      instance: '/v1/documents',
      requestId: '4e0dd5a4-b6fc-483e-9709-6035f69e8d0e',
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
  {
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/documents/2b1f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      requestId: 'cb39a6a9-f224-4a2a-88ef-b422584bfac2',
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
      instance: '/v1/documents/2b1f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      requestId: '4e4839c9-0315-43f8-a90b-9d29b00d974e',
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
  {
    summary: 'a statement ran longer than database.statementTimeoutMs',
    value: {
      type: 'https://acervo.dev/problems/database-timeout',
      title: 'Service Unavailable',
      status: 503,
      detail:
        'The database cancelled the statement: it ran longer than database.statementTimeoutMs. Narrow the request or retry later.',
      code: 'DATABASE.TIMEOUT',
      instance: '/v1/documents/2b1f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      requestId: '66852cfd-cfa9-4f8d-b3d2-30b907009bb7',
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
      instance: '/v1/documents/2b1f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      requestId: '05b0a9ed-798e-448b-8d92-af4fa2d4cd18',
    },
  },
];
