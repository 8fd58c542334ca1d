import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the keys and collection access routes for Swagger, each copied from a real response of a running
// acervo (node dist/main.js with ADMIN_API_KEY, AUTH_MODE=required for the AUTH.* ones). Keep them real: when a
// message changes, provoke the error again and paste the new body.

const NO_ADMIN_KEY = (instance: string): ProblemExample => ({
  summary: 'no admin key (auth.mode open; required answers AUTH.REQUIRED)',
  value: {
    type: 'https://acervo.dev/problems/admin-unauthorized',
    title: 'Unauthorized',
    status: 401,
    detail: 'A valid admin key is required (x-api-key or Authorization: Bearer).',
    code: 'ADMIN.UNAUTHORIZED',
    instance,
    requestId: '6f41e810-7dc0-47d1-9b6e-7842af79ec09',
  },
});

const USER_KEY_ON_ADMIN_ROUTE = (instance: string): ProblemExample => ({
  summary: 'a user key or token on an admin route',
  value: {
    type: 'https://acervo.dev/problems/auth-forbidden',
    title: 'Forbidden',
    status: 403,
    detail: 'This route needs an admin key or token.',
    code: 'AUTH.FORBIDDEN',
    instance,
    requestId: '5aad3102-0278-4364-ace9-f64cd67f98f9',
  },
});

/** POST /v1/admin/keys */
export const CREATE_KEY_PROBLEMS: ProblemExample[] = [
  {
    summary: 'a user key without user_id',
    value: {
      type: 'https://acervo.dev/problems/auth-invalid-key-request',
      title: 'Bad Request',
      status: 400,
      detail: 'a user key needs user_id',
      code: 'AUTH.INVALID_KEY_REQUEST',
      errors: [{ field: 'user_id', message: 'required when role is user' }],
      instance: '/v1/admin/keys',
      requestId: '2b78dc33-1e2d-454a-a25a-d80049f1e3ed',
    },
  },
  {
    summary: 'an admin key with collections: admins are never bound',
    value: {
      type: 'https://acervo.dev/problems/auth-invalid-key-request',
      title: 'Bad Request',
      status: 400,
      detail: 'An admin key cannot be bound to collections (admin routes reach every collection): leave collections out, or create a user key bound to them.',
      code: 'AUTH.INVALID_KEY_REQUEST',
      errors: [{ field: 'collections', message: 'not accepted when role is admin' }],
      instance: '/v1/admin/keys',
      requestId: 'd054ce9e-1612-44e3-90b3-5ed2970cd8bb',
    },
  },
  {
    summary: 'unknown role and a bad collection name',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail:
        'Request validation failed: role: role must be one of the following values: user, admin; collections: each collection must be lowercase letters, digits, - or _ (max 63)',
      code: 'REQUEST.VALIDATION',
      errors: [
        { field: 'role', message: 'role must be one of the following values: user, admin' },
        { field: 'collections', message: 'each collection must be lowercase letters, digits, - or _ (max 63)' },
      ],
      instance: '/v1/admin/keys',
      requestId: '7b717719-c586-45f8-86b0-d9f5218188bd',
    },
  },
  NO_ADMIN_KEY('/v1/admin/keys'),
  USER_KEY_ON_ADMIN_ROUTE('/v1/admin/keys'),
];

/** GET /v1/admin/keys */
export const LIST_KEYS_PROBLEMS: ProblemExample[] = [NO_ADMIN_KEY('/v1/admin/keys'), USER_KEY_ON_ADMIN_ROUTE('/v1/admin/keys')];

/** DELETE /v1/admin/keys/{id} */
export const REVOKE_KEY_PROBLEMS: ProblemExample[] = [
  {
    summary: 'id that is not a UUID',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'id must be a UUID',
      code: 'REQUEST.VALIDATION',
      errors: [{ field: 'id', message: 'must be a UUID' }],
      instance: '/v1/admin/keys/123',
      requestId: 'a7d393ed-5088-4eea-9678-abdf9d7dbd42',
    },
  },
  {
    summary: 'unknown or already revoked key',
    value: {
      id: '7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      type: 'https://acervo.dev/problems/auth-key-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'API key 7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b does not exist.',
      code: 'AUTH.KEY_NOT_FOUND',
      instance: '/v1/admin/keys/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b',
      requestId: '114636c7-3467-4abb-88bd-af7a7e82aca2',
    },
  },
  NO_ADMIN_KEY('/v1/admin/keys/7d1f0a52-3c4b-4e5f-8a9b-0c1d2e3f4a5b'),
];

const BAD_NAME: ProblemExample = {
  summary: 'a name that is not a collection name',
  value: {
    type: 'https://acervo.dev/problems/request-validation',
    title: 'Bad Request',
    status: 400,
    detail: 'Request validation failed: name: name must be lowercase letters, digits, - or _ (max 63)',
    code: 'REQUEST.VALIDATION',
    errors: [{ field: 'name', message: 'name must be lowercase letters, digits, - or _ (max 63)' }],
    instance: '/v1/collections/Manuais',
    requestId: 'e7599e46-539f-49c9-9eea-1781960c4323',
  },
};

/** PUT /v1/collections/{name} */
export const PUT_COLLECTION_ACCESS_PROBLEMS: ProblemExample[] = [
  {
    summary: 'unknown visibility',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: visibility: visibility must be one of the following values: private, public',
      code: 'REQUEST.VALIDATION',
      errors: [{ field: 'visibility', message: 'visibility must be one of the following values: private, public' }],
      instance: '/v1/collections/manuais',
      requestId: '7f865b61-dffb-4bbc-bd30-7dc9c4707baa',
    },
  },
  {
    summary: "a collection of another user (auth.mode required): the unknown collection's 404",
    value: {
      collection: 'manuais',
      type: 'https://acervo.dev/problems/retrieval-collection-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Collection "manuais" does not exist (nothing has been ingested into it).',
      code: 'RETRIEVAL.COLLECTION_NOT_FOUND',
      instance: '/v1/collections/manuais',
      requestId: 'b19b5cdc-23a5-4512-abbb-09a2808c5a0a',
    },
  },  {
    summary: 'a user key on the default collection (auth.mode required): only an admin sets its access',
    value: {
      type: 'https://acervo.dev/problems/auth-forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'Only an admin sets the access of the "default" collection (PUT /v1/collections/default): it is where every request without a collection goes.',
      code: 'AUTH.FORBIDDEN',
      instance: '/v1/collections/default',
      requestId: '3a8faceb-59dc-4238-bdfa-1a7f3187fdb0',
    },
  },
];

/** GET /v1/collections/{name} */
export const GET_COLLECTION_ACCESS_PROBLEMS: ProblemExample[] = [BAD_NAME];

/**
 * 429 of a spent daily token quota (quota.*) on the routes that run a model; copied from a real /v1/chat answer
 * (quota.dailyTokens 1, Retry-After: 47477).
 */
export const QUOTA_EXCEEDED_PROBLEM = (instance: string): ProblemExample => ({
  summary: "the user's daily token quota is spent (Retry-After: seconds to UTC midnight)",
  value: {
    quota: 1,
    used: 166,
    reset_at: '2026-12-02T00:00:00.000Z',
    type: 'https://acervo.dev/problems/quota-exceeded',
    title: 'Too Many Requests',
    status: 429,
    detail: 'The daily token quota (1 tokens) is spent: 166 used today (UTC); it resets at 2026-12-02T00:00:00.000Z.',
    code: 'QUOTA.EXCEEDED',
    instance,
    requestId: '35e11f33-a294-4840-a22a-74de5b5c30a0',
  },
});
