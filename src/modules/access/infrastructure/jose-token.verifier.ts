import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../../shared/config';
import type { Principal } from '../../../shared/http/principal';
import type { TokenVerifier } from '../application/ports/access.ports';
import { invalidCredential } from '../domain/access.errors';

import * as joseLib from 'jose';

type Jose = typeof joseLib;
type JwtConfig = AppConfig['auth']['jwt'];

// jose 5 (ships CommonJS): jose 6 is ESM-only, and a `new Function('return import()')` loader breaks under
// Jest's cached scripts (ARCHITECTURE deviation 23).

/**
 * JWT bearer tokens verified by jose: HS256 with auth.jwt.secret, or RS256/ES256 with the issuer's JWKS
 * (auth.jwt.jwksUrl; keys cached for jwksCacheSeconds, an unknown `kid` refetched after jwksCooldownSeconds, so
 * rotated keys are picked up). `alg: none` and any algorithm outside that list are refused; issuer, audience and
 * expiry checked with clockToleranceSeconds; a token without `exp` is refused unless requireExp is false.
 */
export class JoseTokenVerifier implements TokenVerifier {
  private readonly logger = new Logger('Auth');
  private key?: Promise<Uint8Array | ReturnType<Jose['createRemoteJWKSet']>>;

  constructor(private readonly cfg: JwtConfig) {}

  get enabled(): boolean {
    return !!(this.cfg.secret || this.cfg.jwksUrl);
  }

  private keyFor(jose: Jose) {
    return (this.key ??= Promise.resolve(
      this.cfg.secret
        ? new TextEncoder().encode(this.cfg.secret)
        : jose.createRemoteJWKSet(new URL(this.cfg.jwksUrl!), { cacheMaxAge: this.cfg.jwksCacheSeconds * 1000, cooldownDuration: this.cfg.jwksCooldownSeconds * 1000, timeoutDuration: 5000 }),
    ));
  }

  async verify(token: string): Promise<Principal> {
    const jose = joseLib;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jose.jwtVerify(token, (await this.keyFor(jose)) as never, {
        algorithms: this.cfg.secret ? ['HS256'] : ['RS256', 'ES256'],
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        clockTolerance: this.cfg.clockToleranceSeconds,
        requiredClaims: this.cfg.requireExp ? ['exp'] : [],
      }));
    } catch (e) {
      throw invalidCredential(this.reason(jose, e));
    }
    const user = payload[this.cfg.userClaim];
    if (typeof user !== 'string' || !user) throw invalidCredential(`the token has no ${this.cfg.userClaim} claim`);
    const roles = stringList(payload[this.cfg.rolesClaim]);
    const collections = payload[this.cfg.collectionsClaim] === undefined ? undefined : stringList(payload[this.cfg.collectionsClaim]);
    return { role: roles.includes('admin') ? 'admin' : 'user', userId: user.normalize('NFC'), collections, via: 'jwt', ref: typeof payload.jti === 'string' ? payload.jti : user };
  }

  /** A short, credential-free reason: what a client can act on. */
  private reason(jose: Jose, e: unknown): string {
    const { errors } = jose;
    if (e instanceof errors.JWTExpired) return 'the token has expired';
    if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'exp' && e.reason === 'missing') return 'the token has no exp claim, so it would never expire (auth.jwt.requireExp)';
    if (e instanceof errors.JWTClaimValidationFailed) return `claim ${e.claim} is not accepted (${e.reason})`;
    if (e instanceof errors.JOSEAlgNotAllowed) return 'the token\'s algorithm is not accepted';
    if (e instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature does not verify';
    if (e instanceof errors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
    if (e instanceof errors.JWKSTimeout || (e instanceof errors.JOSEError && e.code === 'ERR_JOSE_GENERIC')) {
      this.logger.warn(`JWKS unavailable: ${(e as Error).message}`);
      return 'the issuer\'s keys could not be fetched';
    }
    if (e instanceof errors.JOSEError) return `the token is malformed or unsupported (${e.code})`;
    this.logger.warn(`JWT verification failed: ${(e as Error)?.message}`);
    return 'the token could not be verified';
  }
}

function stringList(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
