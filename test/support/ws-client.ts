import WebSocket from 'ws';

export type WsEvent = { event: string; turn?: string; data: Record<string, unknown> };

/** Opens a socket; resolves on open with a promise of its close (code and reason). */
export function connectWs(
  target: string,
  protocols?: string[],
  headers?: Record<string, string>,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(target, protocols, { headers });
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
