import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the conversation routes for Swagger, each copied from a real response of a running acervo
// (the error provoked on purpose). Keep them real: when a message changes, provoke the error again and paste the body.

const BLANK_MESSAGE: ProblemExample = {
  summary: 'blank message',
  value: {
    type: 'https://acervo.dev/problems/request-validation',
    title: 'Bad Request',
    status: 400,
    detail: 'Request validation failed: message: message must not be blank',
    code: 'REQUEST.VALIDATION',
    errors: [{ field: 'message', message: 'message must not be blank' }],
    instance: '/v1/chat',
    requestId: 'e5b82fc2-97a9-4218-938d-349fbf39a465',
  },
};

const TOO_LONG: ProblemExample = {
  summary: 'message over conversation.maxMessageChars',
  value: {
    type: 'https://acervo.dev/problems/conversation-message-too-long',
    title: 'Bad Request',
    status: 400,
    detail: 'message has 4001 characters (Unicode code points); at most 4000 are accepted',
    code: 'CONVERSATION.MESSAGE_TOO_LONG',
    errors: [{ field: 'message', message: 'must be at most 4000 characters (Unicode code points)' }],
    instance: '/v1/chat',
    requestId: '1dca3e51-75e1-47c6-b2d5-00b85dccb6c6',
  },
};

const notFound = (instance: string, requestId: string): ProblemExample => ({
  summary: "unknown conversation, or another user's",
  value: {
    conversationId: '6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b',
    type: 'https://acervo.dev/problems/conversation-not-found',
    title: 'Not Found',
    status: 404,
    detail: 'conversation 6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b not found',
    code: 'CONVERSATION.NOT_FOUND',
    instance,
    requestId,
  },
});

const NO_USER: ProblemExample = {
  summary: 'no user_id',
  value: {
    type: 'https://acervo.dev/problems/request-validation',
    title: 'Bad Request',
    status: 400,
    detail: 'Request validation failed: user_id: user_id must be 1-128 letters (accented too), digits or . _ @ : + - |; user_id: user_id must be a string',
    code: 'REQUEST.VALIDATION',
    errors: [
      { field: 'user_id', message: 'user_id must be 1-128 letters (accented too), digits or . _ @ : + - |' },
      { field: 'user_id', message: 'user_id must be a string' },
    ],
    instance: '/v1/conversations',
    requestId: 'd6cc7628-c71b-418b-b955-e04081ff7161',
  },
};

const BAD_ID: ProblemExample = {
  summary: 'id that is not a UUID',
  value: {
    type: 'https://acervo.dev/problems/request-validation',
    title: 'Bad Request',
    status: 400,
    detail: 'id must be a UUID',
    code: 'REQUEST.VALIDATION',
    errors: [{ field: 'id', message: 'must be a UUID' }],
    instance: '/v1/conversations/nope?user_id=ana',
    requestId: '9a36b19b-7ed8-40b3-b5cf-9cb49ba0fe1d',
  },
};

const NUL_ONLY: ProblemExample = {
  summary: 'a message of NULs (U+0000, dropped) alone',
  value: {
    type: 'https://acervo.dev/problems/conversation-blank-message',
    title: 'Bad Request',
    status: 400,
    detail: 'message must not be blank',
    code: 'CONVERSATION.BLANK_MESSAGE',
    errors: [{ field: 'message', message: 'must not be blank' }],
    instance: '/v1/chat',
    requestId: '4f8cd9e2-98df-485a-95ea-7417435642e0',
  },
};

const collectionMismatch = (instance: string, requestId: string): ProblemExample => ({
  summary: "a follow-up naming another collection than its conversation's",
  value: {
    conversationId: '829617fe-bef3-4d26-aeda-7b3df2a24910',
    collection: 'rh',
    type: 'https://acervo.dev/problems/conversation-collection-mismatch',
    title: 'Conflict',
    status: 409,
    detail: 'conversation 829617fe-bef3-4d26-aeda-7b3df2a24910 belongs to collection "rh", not "default"; continue it there or start a new conversation',
    code: 'CONVERSATION.COLLECTION_MISMATCH',
    instance,
    requestId,
  },
});

const FORGOTTEN: ProblemExample = {
  summary: "the user's memory was deleted while this first turn ran (nothing stored)",
  value: {
    type: 'https://acervo.dev/problems/conversation-forgotten',
    title: 'Conflict',
    status: 409,
    detail: 'the memory of user fabio was deleted while this turn ran; the turn was not stored',
    code: 'CONVERSATION.FORGOTTEN',
    instance: '/v1/chat',
    requestId: 'dc3e47b7-359d-4f50-9725-b7c597329e86',
  },
};

/** POST /v1/chat */
export const CHAT_PROBLEMS: ProblemExample[] = [
  BLANK_MESSAGE,
  NUL_ONLY,
  TOO_LONG,
  notFound('/v1/chat', '5c094160-4943-409c-a86a-040d79b5a71f'),
  collectionMismatch('/v1/chat', 'a6a6d70e-864b-42a6-bb52-dff6b44e857a'),
  FORGOTTEN,
];

/** GET /v1/conversations */
export const LIST_CONVERSATIONS_PROBLEMS: ProblemExample[] = [NO_USER];

/** GET and DELETE /v1/conversations/:id */
export const CONVERSATION_PROBLEMS: ProblemExample[] = [
  BAD_ID,
  notFound('/v1/conversations/6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b?user_id=ana', 'c638aff1-820e-4a85-adfe-9a68281fdf3b'),
];

/** DELETE /v1/users/:user_id/memory */
export const FORGET_PROBLEMS: ProblemExample[] = [
  {
    summary: 'user id with characters outside the allowed set',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: user_id: user_id must be 1-128 letters (accented too), digits or . _ @ : + - |',
      code: 'REQUEST.VALIDATION',
      errors: [{ field: 'user_id', message: 'user_id must be 1-128 letters (accented too), digits or . _ @ : + - |' }],
      instance: '/v1/users/a%20b/memory',
      requestId: '200511d2-1657-45f5-84bc-d2f5eb64ed24',
    },
  },
];

/** POST /v1/chat/completions */
export const COMPLETIONS_PROBLEMS: ProblemExample[] = [
  {
    summary: 'a model name other than acervo or acervo:<collection>',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: model: model must be "acervo" or "acervo:<collection>"',
      code: 'REQUEST.VALIDATION',
      errors: [{ field: 'model', message: 'model must be "acervo" or "acervo:<collection>"' }],
      instance: '/v1/chat/completions',
      requestId: '58c7bb4e-f3d2-4377-a53d-8b4f71258900',
    },
  },
  {
    summary: 'no user message to answer',
    value: {
      type: 'https://acervo.dev/problems/conversation-no-user-message',
      title: 'Bad Request',
      status: 400,
      detail: 'messages must contain a user message',
      code: 'CONVERSATION.NO_USER_MESSAGE',
      errors: [{ field: 'messages', message: 'must contain a user message' }],
      instance: '/v1/chat/completions',
      requestId: 'fbce7b37-796e-48f3-ac70-ec0451cd76b8',
    },
  },
  {
    summary: "conversation_id of another user's conversation",
    value: {
      conversationId: '8ab30f8f-6465-4230-bc73-9f2c45706ed4',
      type: 'https://acervo.dev/problems/conversation-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'conversation 8ab30f8f-6465-4230-bc73-9f2c45706ed4 not found',
      code: 'CONVERSATION.NOT_FOUND',
      instance: '/v1/chat/completions',
      requestId: '7ddf77b5-cb10-4722-a726-3ea45cc83b7d',
    },
  },
  collectionMismatch('/v1/chat/completions', '045959ad-9f09-4175-b525-8ede0a683ee6'),
];

/** GET /v1/models/{id} */
export const MODEL_NOT_FOUND: ProblemExample = {
  summary: 'not acervo, nor acervo:<collection> of an existing collection',
  value: {
    model: 'acervo:financeiro',
    type: 'https://acervo.dev/problems/conversation-model-not-found',
    title: 'Not Found',
    status: 404,
    detail: 'The model `acervo:financeiro` does not exist: the models are acervo and acervo:<collection> (GET /v1/models).',
    code: 'CONVERSATION.MODEL_NOT_FOUND',
    instance: '/v1/models/acervo:financeiro',
    requestId: 'c0a5e1d2-4b3f-4e6a-9c7d-8e9f0a1b2c3d',
  },
};

/** POST /v1/admin/sales/seed */
export const SEED_SALES_PROBLEMS: ProblemExample[] = [
  {
    summary: 'months out of range',
    value: {
      type: 'https://acervo.dev/problems/request-validation',
      title: 'Bad Request',
      status: 400,
      detail: 'Request validation failed: months: months must not be greater than 60',
      code: 'REQUEST.VALIDATION',
      errors: [{ field: 'months', message: 'months must not be greater than 60' }],
      instance: '/v1/admin/sales/seed',
      requestId: '0f6f3a2e-61d4-4a86-9b0c-5b3e2b1f7d10',
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
      instance: '/v1/admin/sales/seed',
      requestId: '6a3c1d52-9b7e-4f0a-8d2c-1e4f5a6b7c80',
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
      instance: '/v1/admin/sales/seed',
      requestId: '3b9e7c14-2d5f-4a68-9e01-7c2b4d6f8a93',
    },
  },
];
