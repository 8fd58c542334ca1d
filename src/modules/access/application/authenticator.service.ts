import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../shared/config';
import { safeEqual } from '../../../shared/http/admin-key.guard';
import type { Principal } from '../../../shared/http/principal';
import { looksLikeKey } from '../domain/api-key';
import { invalidCredential } from '../domain/access.errors';
import { ApiKeysService } from './api-keys.service';
import { TOKEN_VERIFIER, TokenVerifier } from './ports/access.ports';

/**
 * A credential to a principal: ADMIN_API_KEY (bootstrap admin), a stored key (`acv_...`, looked up by its
 * hash, refused once revoked), or a JWT when auth.jwt is configured. Throws AUTH.INVALID_CREDENTIALS.
 */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier,
  ) {}

  async authenticate(credential: string): Promise<Principal> {
    const p = await this.principal(credential);
    // Admins are not bound (adminNotBound): an admin key bound before that rule, or an admin token with a collections
    // claim, is refused rather than let through unbound or bound only on some routes.
    if (p.role === 'admin' && p.collections) throw invalidCredential(`an admin ${p.via === 'jwt' ? 'token cannot carry a collections claim' : 'key cannot be bound to collections (revoke it)'}: admins are not bound`);
    return p;
  }

  private async principal(credential: string): Promise<Principal> {
    const bootstrap = this.config.admin.apiKey;
    if (bootstrap && safeEqual(credential, bootstrap)) return { role: 'admin', via: 'bootstrap' };
    if (looksLikeKey(credential)) {
      const key = await this.keys.findActive(credential);
      if (!key) throw invalidCredential('unknown or revoked API key');
      return { role: key.role, userId: key.userId?.normalize('NFC') ?? undefined, collections: key.collections ?? undefined, via: 'api-key', ref: key.id, keyPrefix: key.prefix };
    }
    if (credential.split('.').length === 3 && this.tokens.enabled) return this.tokens.verify(credential);
    throw invalidCredential('not an acervo API key' + (this.tokens.enabled ? ' nor a valid JWT' : ' (JWTs are not configured: auth.jwt)'));
  }
}
