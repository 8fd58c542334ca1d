import { FakeHttpServer } from './fake-http.server';

import * as joseLib from 'jose';

type Jose = typeof joseLib;
// jose is an ES module: a real import() (ts-jest's CommonJS output would turn `import()` into require).


interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

/**
 * An identity provider's JWKS endpoint (GET /.well-known/jwks.json) holding real RS256/ES256 key pairs made
 * with jose; `rotate()` adds a new key and drops the old ones, as an issuer rotating its keys does. Tokens are
 * signed with `sign()`, the way the issuer would.
 */
export class FakeJwksServer {
  readonly http = new FakeHttpServer('jwks');
  private keys: SigningKey[] = [];
  private jose!: Jose;
  private n = 0;

  async start(): Promise<string> {
    this.jose = joseLib;
    await this.rotate('RS256');
    this.http.route('GET /.well-known/jwks.json', ({ res }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
    });
    await this.http.start();
    return this.jwksUrl;
  }

  get jwksUrl(): string {
    return `${this.http.url}/.well-known/jwks.json`;
  }

  get fetches(): number {
    return this.http.requestsTo('/.well-known/jwks.json').length;
  }

  /** A new current key; the previous ones are no longer published (keep: true keeps them). */
  async rotate(alg: 'RS256' | 'ES256' = 'RS256', opts: { keep?: boolean } = {}): Promise<string> {
    const { publicKey, privateKey } = await this.jose.generateKeyPair(alg, { extractable: true });
    const kid = `k${++this.n}`;
    const jwk = { ...(await this.jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
    const key = { kid, alg, privateKey: privateKey as CryptoKey, jwk };
    this.keys = opts.keep ? [...this.keys, key] : [key];
    return kid;
  }

  /** A token signed by the current key (or the key `kid` kept by an earlier rotate), claims as given. */
  async sign(claims: Record<string, unknown>, opts: { expiresIn?: string | number; kid?: string; issuer?: string; audience?: string } = {}): Promise<string> {
    const key = opts.kid ? this.keys.find((k) => k.kid === opts.kid)! : this.keys[this.keys.length - 1];
    return this.signWith(key, claims, opts);
  }

  /** Signs with a key pair that is about to be dropped: the key survives here after rotate for the test. */
  async signWith(key: SigningKey, claims: Record<string, unknown>, opts: { expiresIn?: string | number; issuer?: string; audience?: string } = {}): Promise<string> {
    let jwt = new this.jose.SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuedAt();
    if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
    if (opts.audience) jwt = jwt.setAudience(opts.audience);
    jwt = jwt.setExpirationTime(opts.expiresIn ?? '5m');
    return jwt.sign(key.privateKey);
  }

  currentKey(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
