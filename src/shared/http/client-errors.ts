import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_TYPE_BASE, type ProblemDetails } from '../errors/problem-details.filter';

/** A request line longer than this, when the head overflows, is answered 414 (the URL is what is too long), else 431. */
const LONG_REQUEST_LINE = 8 * 1024;
/** How long a refused connection may keep sending (drained, not read) before it is closed: a reset would lose the answer. */
const DRAIN_MS = 1000;

interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/**
 * What Node's HTTP parser refuses before Express sees a request, as problem+json instead of Node's bare answers:
 * a head past the server's maxHeaderSize (16 KB by default; Node counts the request line in it) is a 431, or a
 * 414 when the request line itself is the long part; a request that is not HTTP is a 400; a head or request
 * that takes too long is a 408.
 */
export function clientErrorProblem(err: ParserError): ProblemDetails {
  let status = 400;
  let code = 'REQUEST.MALFORMED';
  let detail = 'The request is not valid HTTP/1.1.';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const packet = err.rawPacket?.toString('latin1') ?? '';
    const eol = packet.indexOf('\r\n');
    const line = /^[A-Z]+ /.test(packet) ? (eol < 0 ? packet.length : eol) : 0;
    if (line > LONG_REQUEST_LINE) {
      status = 414;
      code = 'REQUEST.URI_TOO_LONG';
      detail =
        "The request URL is too long: the request line and headers must fit in the server's 16 KB header limit.";
    } else {
      status = 431;
      code = 'REQUEST.HEADERS_TOO_LARGE';
      detail =
        "The request headers are too large: together with the request line they must fit in the server's 16 KB header limit.";
    }
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADER_TIMEOUT') {
    status = 408;
    code = 'REQUEST.TIMEOUT';
    detail = 'The request did not arrive in time.';
  } else if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    status = 413;
    code = 'REQUEST.TOO_LARGE';
    detail = 'The chunk extensions of the request body are too large.';
  }
  return {
    type: PROBLEM_TYPE_BASE + code.toLowerCase().replace(/[._]/g, '-'),
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
  };
}

/**
 * The HTTP server answers what its parser refuses as problem+json (see clientErrorProblem), then drains what
 * the client is still sending for a moment before closing, so the client reads the answer instead of a reset;
 * and a request with an `Expect` other than 100-continue is served as if it had none (RFC 9110 lets a server
 * ignore an expectation it does not know) instead of Node's bare 417.
 */
export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on(
    'clientError',
    (err: ParserError, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
      if (answered.has(socket)) return; // the parser reports again for every chunk that still arrives
      answered.add(socket);
      if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
        socket.destroy();
        return;
      }
      const requestId = randomUUID();
      const problem = clientErrorProblem(err);
      const body = JSON.stringify({ ...problem, requestId });
      socket.end(
        `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
      socket.resume();
      setTimeout(() => socket.destroy(), DRAIN_MS).unref();
    },
  );
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) =>
    server.emit('request', req, res),
  );
}
