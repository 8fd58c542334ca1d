import type { ProblemExample } from '../../../../shared/http';

// Problem bodies of the keys and collection access routes for Swagger, each copied from a real response of a running
// acervo. Keep them real: when a message changes, provoke the error again and paste the new body.

/** POST /v1/admin/keys */
export const CREATE_KEY_PROBLEMS: ProblemExample[] = [];
/** DELETE /v1/admin/keys/{id} */
export const REVOKE_KEY_PROBLEMS: ProblemExample[] = [];
/** PUT /v1/collections/{name} */
export const PUT_COLLECTION_ACCESS_PROBLEMS: ProblemExample[] = [];
/** GET /v1/collections/{name} */
export const GET_COLLECTION_ACCESS_PROBLEMS: ProblemExample[] = [];
