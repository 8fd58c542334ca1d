// Calls to acervo's own API (same origin): the credential from Configurações on every request, problem+json errors
// turned into ApiError, and Server-Sent Events read from a POST (EventSource only does GET).

const CREDENTIAL_KEY = 'acervo.credential';
const USER_KEY = 'acervo.userId';

function stored(key, area = 'localStorage') {
  try {
    return window[area].getItem(key) ?? '';
  } catch {
    return '';
  }
}

function store(key, value, area = 'localStorage') {
  try {
    if (value) window[area].setItem(key, value);
    else window[area].removeItem(key);
  } catch {
    // storage refused (private mode): the value lasts until the page is closed
  }
}

export const settings = {
  /**
   * The API key or token: kept in sessionStorage (this tab, until it is closed) unless "Lembrar neste navegador" put
   * it in localStorage (it was always there, indefinitely, before session 18). One of the two holds it, never both.
   */
  get credential() {
    return (stored(CREDENTIAL_KEY, 'sessionStorage') || stored(CREDENTIAL_KEY)).trim();
  },
  /** Whether the credential is remembered by this browser (localStorage) rather than this tab. */
  get rememberCredential() {
    return stored(CREDENTIAL_KEY).trim() !== '';
  },
  /** Keeps `value` in this tab, or in this browser with `remember`; an empty value removes it from both. */
  saveCredential(value, remember = false) {
    const v = String(value ?? '').trim();
    store(CREDENTIAL_KEY, remember ? v : '', 'localStorage');
    store(CREDENTIAL_KEY, remember ? '' : v, 'sessionStorage');
  },
  set credential(value) {
    this.saveCredential(value, this.rememberCredential);
  },
  get userId() {
    return stored(USER_KEY).trim();
  },
  set userId(value) {
    store(USER_KEY, String(value ?? '').trim());
  },
  /** The server's auth.mode from /v1/model-info ('open' or 'required'), once known (this page's lifetime only). */
  authMode: '',
  /**
   * The user_id sent to /v1/chat and /v1/conversations: the one typed in Configurações; else none with a credential
   * (the server takes the key's user), else "web" (auth.mode open needs one, and takes no user from a credential:
   * with a key typed on an open server the conversations answered 400 without one, probe 17).
   */
  get chatUser() {
    return this.userId || (this.credential && this.authMode !== 'open' ? undefined : 'web');
  },
};

/** A refused request: the problem+json body (RFC 9457) the API answers, or what the network said. */
export class ApiError extends Error {
  constructor(status, problem = {}, retryAfter = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = typeof problem.code === 'string' ? problem.code : '';
    this.title = typeof problem.title === 'string' ? problem.title : '';
    this.detail = typeof problem.detail === 'string' ? problem.detail : '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = typeof problem.requestId === 'string' ? problem.requestId : '';
    this.retryAfter = retryAfter;
  }
}

function headers(extra = {}) {
  const h = new Headers(extra);
  const credential = settings.credential;
  // An API key and a JWT both go as a bearer (docs/api.md, Authentication and access).
  if (credential) h.set('authorization', `Bearer ${credential}`);
  return h;
}

function url(path, query) {
  const u = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  return u;
}

async function errorFrom(res) {
  let problem = {};
  const text = await res.text().catch(() => '');
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { title: res.statusText, detail: text.slice(0, 300) };
  }
  // the OpenAI-shaped routes answer {error: {message, code}}; every other route problem+json
  if (problem && typeof problem.error === 'object' && problem.error) problem = { detail: problem.error.message, code: problem.error.code };
  return new ApiError(res.status, problem ?? {}, res.headers.get('retry-after'));
}

async function send(method, path, { json, form, query, signal, accept = 'application/json' } = {}) {
  const init = { method, headers: headers({ accept }), signal };
  if (json !== undefined) {
    init.headers.set('content-type', 'application/json');
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  try {
    return await fetch(url(path, query), init);
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'Sem conexão', detail: 'Não foi possível falar com o servidor do acervo.' });
  }
}

/** A JSON call: `{status, body}` (body null for 204), or throws ApiError. */
export async function api(method, path, opts = {}) {
  const res = await send(method, path, opts);
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return { status: 204, body: null };
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

/**
 * POST `path` with `stream: true` and yield its Server-Sent Events as `{event, data}` (data parsed as JSON). An error
 * before the stream starts is thrown as ApiError (the API answers it as problem+json); one after is an `error` event.
 * A server that answers plain JSON instead yields it as one `done` event.
 */
export async function* streamEvents(path, body, signal) {
  const res = await send('POST', path, { json: { ...body, stream: true }, signal, accept: 'text/event-stream' });
  if (!res.ok) throw await errorFrom(res);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    yield { event: 'done', data: await res.json() };
    return;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
      const event = parseEvent(block);
      if (event) yield event;
    }
  }
  const last = parseEvent(buffer);
  if (last) yield last;
}

function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (!data.length) return null;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}
