import { SCRAM_MECHANISM, ScramError, ScramExchange, scramVerifier } from './scram';

// The client side is the pg driver's own SCRAM implementation: what the app and any other client really send.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sasl = require('pg/lib/crypto/sasl') as {
  startSession(mechanisms: string[]): { response: string; clientNonce: string; message: string };
  continueSession(session: object, password: string, serverData: string): Promise<void>;
  finalizeSession(session: object, serverData: string): void;
};

async function exchange(serverPassword: string, clientPassword: string): Promise<void> {
  const server = new ScramExchange(scramVerifier(serverPassword));
  const session = sasl.startSession([SCRAM_MECHANISM]);
  const serverFirst = server.clientFirst(session.response);
  await sasl.continueSession(session, clientPassword, serverFirst);
  const serverFinal = server.clientFinal((session as unknown as { response: string }).response);
  sasl.finalizeSession(session, serverFinal); // the client checks the server's signature too
}

describe('SCRAM-SHA-256 (server side)', () => {
  it("authenticates the pg driver's client with the right password, and proves itself to it", async () => {
    await expect(exchange('0123456789abcdef0123456789abcdef', '0123456789abcdef0123456789abcdef')).resolves.toBeUndefined();
  });

  it('refuses a wrong password', async () => {
    await expect(exchange('0123456789abcdef0123456789abcdef', 'postgres')).rejects.toThrow(ScramError);
  });

  it('refuses a replayed or tampered final message', async () => {
    const verifier = scramVerifier('secret-secret-secret');
    const first = new ScramExchange(verifier);
    const session = sasl.startSession([SCRAM_MECHANISM]);
    const clientFirst = session.response;
    await sasl.continueSession(session, 'secret-secret-secret', first.clientFirst(clientFirst));
    const final = (session as unknown as { response: string }).response;
    expect(() => first.clientFinal(final)).not.toThrow();
    // the same final message against a new exchange (new server nonce) is a replay
    const second = new ScramExchange(verifier);
    second.clientFirst(clientFirst);
    expect(() => second.clientFinal(final)).toThrow(ScramError);
    expect(() => new ScramExchange(verifier).clientFirst('p=tls-server-end-point,,n=*,r=abc')).toThrow(/channel binding/);
  });
});
