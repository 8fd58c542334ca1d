import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { problemOf } from '../../../../shared/errors/problem-details.filter';
import { validateDto } from '../../../../shared/errors/validation';
import { wsTurnId } from '../../../../shared/http';
import { WS_UNAUTHORIZED, WsAccessGate } from '../../../access';
import { ChatHandler } from '../../application/chat/chat.handler';
import { chatEventMessage } from '../http/chat.controller';
import { ChatRequestDto } from '../http/dto/chat.dto';

/**
 * The chat over a WebSocket at /v1/chat/ws. Send `{"event":"chat","data":{user_id, message, conversation_id?, collection?}}`;
 * the turn comes back as JSON messages with the SSE route's events: `tool_call`, `token`, `citation`, `done`
 * (or `error` with a problem+json body). Several turns may be sent on one connection; each message's
 * events carry its `turn` id (the client's `data.turn` when given).
 *
 * Access as over HTTP (WsAccessGate): a credential at the handshake (`x-api-key` / `Authorization: Bearer`
 * headers, the `Sec-WebSocket-Protocol` pair `bearer, <key or token>`, or `?access_token=`); with auth.mode
 * required a missing or refused one closes the socket with 4401. The handshake counts in the rate limits and among
 * the caller's open sockets (http.ws.maxConnectionsPerCaller): 4429 past either. Each message verifies the credential again (revoked or
 * expired since: a 401 error event, then 4401), counts against the generate rate limits, runs as the caller's user, in
 * collections it may read, within its daily token quota. The adapter (shared/http GuardedWsAdapter) holds each message
 * to http.json and counts each turn in http.backpressure's in-flight budget before it gets here; it also refuses a
 * socket past http.ws.maxConnections before handleConnection, and pings and times out idle sockets.
 */
@WebSocketGateway({ path: '/v1/chat/ws' })
export class ChatGateway implements OnGatewayConnection {
  private readonly logger = new Logger('ChatWs');
  private readonly turns = new WeakMap<WebSocket, AbortController>();

  constructor(
    private readonly chat: ChatHandler,
    private readonly gate: WsAccessGate,
  ) {}

  handleConnection(client: WebSocket, req: IncomingMessage): void {
    this.gate.admit(client, req);
    const abort = new AbortController();
    this.turns.set(client, abort);
    client.on('close', () => abort.abort());
  }

  @SubscribeMessage('chat')
  async onChat(@ConnectedSocket() client: WebSocket, @MessageBody() data: unknown): Promise<void> {
    const turn = (isRecord(data) ? wsTurnId(data.turn) : undefined) ?? randomUUID();
    const requestId = randomUUID();
    const send = (event: string, payload: unknown) => {
      if (client.readyState === client.OPEN) client.send(JSON.stringify({ event, turn, data: payload }));
    };
    const session = await this.gate.session(client);
    if (!session) return; // refused at the handshake: the socket is closing (4401, 4403 or 4429)
    let release: (() => void) | undefined; // the turn's quota reservation, given back when it ends
    try {
      const { turn: _turn, ...fields } = isRecord(data) ? data : { turn: undefined };
      await this.gate.admitTurn(session, fields);
      const body = await validateDto(ChatRequestDto, isRecord(data) ? fields : data, { allowUnknown: false });
      release = await this.gate.authorizeTurn(session, { userId: body.user_id, collection: body.collection, conversationId: body.conversation_id });
      const events = this.chat.stream({
        userId: body.user_id,
        caller: session.principal,
        message: body.message,
        conversationId: body.conversation_id,
        collection: body.collection,
        requestId,
        signal: this.turns.get(client)?.signal,
      });
      for await (const e of events) {
        const m = chatEventMessage(e);
        send(m.event, m.data);
      }
    } catch (e) {
      // the socket closed while the turn ran or waited its turn: routine, as over HTTP (nobody is left to answer)
      if (this.turns.get(client)?.signal.aborted) return void this.logger.debug(`chat turn ended with its socket (${requestId})`);
      // the HTTP filter's mapping: a DomainError by its kind, a validation error 400, a database that is down or out
      // of connections 503 DATABASE.UNAVAILABLE; anything else a 500 that reveals nothing
      const problem = problemOf(e);
      if (problem.status >= 500 && problem.code === 'INTERNAL') this.logger.error({ err: e, requestId }, 'chat over WebSocket failed');
      else if (problem.status >= 500) this.logger.warn({ code: problem.code, requestId }, `chat over WebSocket failed: ${problem.detail}`);
      send('error', { ...problem, ...(problem.code === 'INTERNAL' ? { detail: 'The chat turn failed.' } : {}), requestId });
      // a credential revoked or expired since the handshake: the turn is answered as HTTP would (401), then the socket closes
      if (session.refused && client.readyState === client.OPEN) client.close(WS_UNAUTHORIZED, problem.code);
    } finally {
      release?.();
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
