import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677), the password authentication Postgres uses and the
 * `pg` driver speaks: the password never crosses the socket, and a recorded exchange cannot be replayed.
 * Without channel binding (the embedded server listens on the loopback without TLS).
 */
export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
const ITERATIONS = 4096;

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** What the server keeps of a password: salt, iterations and the two derived keys (as Postgres stores them). */
export interface ScramVerifier {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export function scramVerifier(password: string, salt = randomBytes(16), iterations = ITERATIONS): ScramVerifier {
  // SASLprep would normalize the password first; acervo's generated passwords are hex, which it leaves as is.
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

export class ScramError extends Error {}

/** One authentication exchange: clientFirst() answers the client's first message, clientFinal() verifies its proof. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';
  private nonce = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** Takes client-first-message ("n,,n=user,r=nonce"), returns server-first-message. */
  clientFirst(message: string): string {
    const m = /^([ny]),(a=[^,]*)?,(n=[^,]*,r=([^,]+)(?:,.*)?)$/.exec(message);
    if (!m) throw new ScramError('malformed SCRAM client-first-message (channel binding is not supported)');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3];
    this.nonce = m[4] + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  /** Takes client-final-message ("c=...,r=...,p=proof"); returns server-final-message, or throws when the proof is wrong. */
  clientFinal(message: string): string {
    const m = /^(c=([^,]*),r=([^,]*)(?:,.*)?),p=([A-Za-z0-9+/=]+)$/.exec(message);
    if (!m || !this.serverFirst) throw new ScramError('malformed SCRAM client-final-message');
    const [, withoutProof, binding, nonce, proof] = m;
    if (Buffer.from(binding, 'base64').toString() !== this.gs2Header || nonce !== this.nonce) throw new ScramError('SCRAM nonce or channel binding mismatch');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const given = Buffer.from(proof, 'base64');
    if (given.length !== signature.length) throw new ScramError('wrong password');
    const clientKey = Buffer.alloc(given.length);
    for (let i = 0; i < given.length; i++) clientKey[i] = given[i] ^ signature[i];
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) throw new ScramError('wrong password');
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
