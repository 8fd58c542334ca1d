import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { AppConfig } from '../../../../shared/config';
import type { AccessService } from '../../application/access.service';
import type { Authenticator } from '../../application/authenticator.service';
import type { QuotaService } from '../../application/quota.service';
import { AuthFailureLimiter } from '../http/auth-failures';
import { callerTracker } from '../http/rate-limit.guard';
import { WsAccessGate, wsCredentialOf } from './ws-access.gate';

const handshake = (url: string, headers: Record<string, string> = {}) =>
  ({ url, headers, socket: { remoteAddress: '10.0.0.7' } }) as unknown as IncomingMessage;

describe('wsCredentialOf', () => {
  it('reads the headers first, then the bearer subprotocol pair, then ?access_token=', () => {
    expect(wsCredentialOf(handshake('/v1/chat/ws?access_token=q', { 'x-api-key': 'h', 'sec-websocket-protocol': 'bearer, p' }))).toBe('h');
    expect(wsCredentialOf(handshake('/v1/chat/ws?access_token=q', { authorization: 'Bearer a', 'sec-websocket-protocol': 'bearer, p' }))).toBe('a');
    expect(wsCredentialOf(handshake('/v1/chat/ws?access_token=q', { 'sec-websocket-protocol': 'json, Bearer, acv_x.y' }))).toBe('acv_x.y');
    expect(wsCredentialOf(handshake('/v1/chat/ws?access_token=q', { 'sec-websocket-protocol': 'bearer' }))).toBe('q');
    expect(wsCredentialOf(handshake('/v1/chat/ws', { authorization: 'Basic eDp5' }))).toBeUndefined();
  });
});

describe('WsAccessGate', () => {
  const hits = new Map<string, number>();
  const storage: ThrottlerStorage = {
    increment: async (key, _ttl, limit) => {
      const n = (hits.get(key) ?? 0) + 1;
      hits.set(key, n);
      return { totalHits: n, timeToExpire: 60, isBlocked: n > limit, timeToBlockExpire: n > limit ? 42 : 0 };
    },
  };
  const config = {
    auth: { mode: 'required' },
    http: { cors: { origins: [] }, trustProxy: ['loopback'], ws: { maxConnectionsPerCaller: 2 } },
    rateLimit: { enabled: true, perMinute: 100, perIpPerMinute: 100, groups: { generate: 3 } },
  } as unknown as AppConfig;
  const auth = { authenticate: async (c: string) => ({ role: 'user', userId: c.startsWith('acv_ana') ? 'ana' : 'bia', via: 'api-key' }) } as unknown as Authenticator;
  const gate = new WsAccessGate(config, auth, {} as AccessService, {} as QuotaService, storage, new AuthFailureLimiter(config, storage));
  /** A socket as the gate sees it: closing it (by the gate or the peer) emits `close`, as `ws` does. */
  const socket = () => {
    const events = new EventEmitter();
    const close = jest.fn(() => events.emit('close'));
    return { close, once: (event: 'close', listener: () => void) => events.once(event, listener) };
  };

  it('counts the handshake and each message against the generate group with the HTTP keys, then refuses with RATE_LIMIT.EXCEEDED', async () => {
    const client = socket();
    gate.admit(client, handshake('/v1/chat/ws?access_token=acv_ana'));
    const session = (await gate.session(client))!;
    expect(session.principal).toMatchObject({ userId: 'ana' });
    const fields: Record<string, unknown> = {};
    await gate.admitTurn(session, fields);
    expect(fields.user_id).toBe('ana');
    await gate.admitTurn(session, { user_id: 'ana' });
    await expect(gate.admitTurn(session, {})).rejects.toMatchObject({ code: 'RATE_LIMIT.EXCEEDED', kind: 'too_many_requests', details: { retryAfterSeconds: 42 } });
    expect(hits.get(`caller:generate:${callerTracker('acv_ana', '10.0.0.7')}`)).toBe(4);
    expect(hits.get('ip:10.0.0.7')).toBe(3);
    await expect(gate.admitTurn({ ...session, tracker: 'c:other' }, { user_id: 'bia' })).rejects.toMatchObject({ code: 'AUTH.USER_MISMATCH' });
    expect(client.close).not.toHaveBeenCalled();
    // the next handshake of that key is past the limit too: closed with 4429
    const next = socket();
    gate.admit(next, handshake('/v1/chat/ws?access_token=acv_ana'));
    expect(await gate.session(next)).toBeUndefined();
    expect(next.close).toHaveBeenCalledWith(4429, 'RATE_LIMIT.EXCEEDED');
    client.close();
  });

  it('closes a socket without a credential with 4401 in required mode', async () => {
    const client = socket();
    gate.admit(client, handshake('/v1/chat/ws'));
    expect(await gate.session(client)).toBeUndefined();
    expect(client.close).toHaveBeenCalledWith(4401, 'AUTH.REQUIRED');
  });

  it("closes a socket past its user's http.ws.maxConnectionsPerCaller with 4429, whatever key it came with; a closed one frees its place", async () => {
    const admitted = async (credential: string) => {
      const client = socket();
      gate.admit(client, handshake(`/v1/chat/ws?access_token=${credential}`, { 'x-forwarded-for': credential }));
      return { client, session: await gate.session(client) };
    };
    const first = await admitted('acv_bia1');
    const second = await admitted('acv_bia2');
    expect([first.session, second.session]).toEqual([expect.objectContaining({ principal: expect.objectContaining({ userId: 'bia' }) }), expect.anything()]);
    const third = await admitted('acv_bia3');
    expect(third.session).toBeUndefined();
    expect(third.client.close).toHaveBeenCalledWith(4429, 'RATE_LIMIT.TOO_MANY_CONNECTIONS');
    // another user is not affected; bia gets a place back when one of hers closes
    expect((await admitted('acv_ana_other')).session).toBeDefined();
    first.client.close();
    expect((await admitted('acv_bia4')).session).toBeDefined();
    expect((await admitted('acv_bia5')).session).toBeUndefined();
  });
});
