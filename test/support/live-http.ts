import http from 'node:http';

/** Requests to a server process over real sockets (no keep-alive: each request its own connection). */

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseStream {
  events: SseEvent[];
  /** The first event of that name (rejects if the stream ends without it). */
  first(event: string): Promise<SseEvent>;
  /** The whole stream: status, events, and how it ended ('end': the server ended it; 'error': the connection broke). */
  ended: Promise<{ status: number; events: SseEvent[]; how: 'end' | 'error' }>;
}

/** POST `path` with a JSON body and read the answer as Server-Sent Events, event by event. */
export function postSse(baseUrl: string, path: string, body: unknown): SseStream {
  const events: SseEvent[] = [];
  const listeners = new Set<() => void>();
  const payload = JSON.stringify(body);
  let finished = false;
  const ended = new Promise<{ status: number; events: SseEvent[]; how: 'end' | 'error' }>((resolve) => {
    const req = http.request(`${baseUrl}${path}`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const settle = (status: number, how: 'end' | 'error') => {
      finished = true;
      listeners.forEach((l) => l());
      resolve({ status, events, how });
    };
    req.on('error', () => settle(0, 'error'));
    req.on('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          events.push({ event, data: data === undefined ? undefined : JSON.parse(data) });
          listeners.forEach((l) => l());
        }
      });
      res.on('end', () => settle(res.statusCode ?? 0, 'end'));
      res.on('error', () => settle(res.statusCode ?? 0, 'error'));
    });
    req.end(payload);
  });
  const first = (name: string) =>
    new Promise<SseEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find((e) => e.event === name);
        if (!found && !finished) return;
        listeners.delete(check);
        if (found) resolve(found);
        else reject(new Error(`stream ended without a "${name}" event: ${JSON.stringify(events)}`));
      };
      listeners.add(check);
      check();
    });
  return { events, first, ended };
}

export interface HeldUpload {
  /** Sends the rest of the body; resolves to the answer. */
  finish(): Promise<{ status: number; body: unknown }>;
}

/**
 * A multipart POST /v1/documents whose body is half sent: the request is in flight (its headers reached the
 * server) until finish() sends the rest.
 */
export function heldUpload(baseUrl: string, file: { name: string; content: string }, fields: Record<string, string> = {}): HeldUpload {
  const boundary = `----acervo-test-${Date.now()}`;
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\ncontent-disposition: form-data; name="files"; filename="${file.name}"\r\ncontent-type: text/plain\r\n\r\n${file.content}\r\n`);
  parts.push(`--${boundary}--\r\n`);
  const body = Buffer.from(parts.join(''), 'utf8');
  const req = http.request(`${baseUrl}/v1/documents`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
  });
  const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
  });
  answer.catch(() => undefined); // a test that fails before finish() leaves it unanswered
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  req.flushHeaders();
  return { finish: () => (req.end(body.subarray(half)), answer) };
}

/** GET or POST JSON over a fresh connection; `error` is the socket error code when there was no answer. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever JSON came back
): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders; error?: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(`${baseUrl}${path}`, {
      method,
      agent: false,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: undefined, headers: {}, error: e.code ?? e.message }));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode ?? 0, body: undefined, headers: res.headers, error: e.code }));
    });
    req.end(payload);
  });
}

/** Polls `condition` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
