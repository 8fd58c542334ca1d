// Public surface of the access module: other modules import only from here.
export { AccessModule } from './access.module';
export { ApiKeysService } from './application/api-keys.service';
export { CollectionAccessInterceptor } from './interface/http/collection-access.interceptor';
export { WsAccessGate, WS_UNAUTHORIZED, wsCredentialOf } from './interface/ws/ws-access.gate';
export { QUOTA_EXCEEDED_PROBLEM } from './interface/http/access.problems';
export { keyView } from './interface/http/keys.controller';
