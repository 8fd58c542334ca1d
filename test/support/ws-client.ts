import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { TestApp } from './app';

export type WsEvent = { event: string; turn?: string; data: Record<string, unknown> };

/** Opens a socket; resolves on open with a promise of its close (code and reason). */
export function connectWs(
  target: string,
  protocols?: string[],
  headers?: Record<string, string>,
  options: WebSocket.ClientOptions = {},
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(target, protocols, { ...options, headers });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

/** The next `count` messages the socket receives (parsed), in order. */
export function nextWsEvents(ws: WebSocket, count: number): Promise<WsEvent[]> {
  const events: WsEvent[] = [];
  return new Promise((resolve) => {
    const onMessage = (m: WebSocket.RawData) => {
      events.push(JSON.parse(m.toString()) as WsEvent);
      if (events.length === count) {
        ws.off('message', onMessage);
        resolve(events);
      }
    };
    ws.on('message', onMessage);
  });
}

/** Sends one chat message and collects its events up to `done` or `error`. */
export function wsTurn(ws: WebSocket, data: Record<string, unknown>): Promise<WsEvent[]> {
  const events: WsEvent[] = [];
  return new Promise((resolve) => {
    const onMessage = (m: WebSocket.RawData) => {
      const e = JSON.parse(m.toString()) as WsEvent;
      events.push(e);
      if (e.event === 'done' || e.event === 'error') {
        ws.off('message', onMessage);
        resolve(events);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ event: 'chat', data }));
  });
}

/**
 * The chat WebSocket suites' start (auth.mode required): a public `default` collection holding the vacation policy
 * (the chat answers "10 dias"), the app listening on a free port; answers the socket's URL.
 */
export async function listenWithPolicy(t: TestApp, adminKey: string): Promise<string> {
  await t.http.post('/v1/documents').set('x-api-key', adminKey).send({ title: 'Política de férias', text: 'O colaborador pode vender até 10 dias de férias por ano.' }).expect(201);
  await t.http.put('/v1/collections/default').set('x-api-key', adminKey).send({ visibility: 'public' }).expect(200);
  await t.app.listen(0, '127.0.0.1');
  return `ws://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/v1/chat/ws`;
}
