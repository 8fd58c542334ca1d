import { createServer, type Server, type Socket } from 'node:net';
import { EngineFailure, type ProtocolEngine } from './pglite-worker';
import { SCRAM_MECHANISM, ScramError, ScramExchange, scramVerifier, type ScramVerifier } from './scram';

/**
 * Serves one PGlite session to `pg` clients over the Postgres wire protocol, in place of @electric-sql/pglite-socket
 * (0.2.17), whose queue stayed busy forever after one failed execution (its error path returns without clearing
 * the flag: every later query waited, readiness failed, until a restart) and which let any local process in as
 * the superuser without a password. Here:
 * - clients authenticate with SCRAM-SHA-256 against a password (the embedded data dir keeps it, mode 0600);
 * - the session is lent to one connection at a time, from a batch of its messages until PGlite reports it idle
 *   (ReadyForQuery 'I'): a transaction, or Parse/Bind/Execute/Sync, never interleaves with another connection's;
 * - a connection that drops while it holds the session has its transaction rolled back before anyone else runs;
 * - a statement that outlives its statement_timeout (the connection's startup `options`, or a SET / SET LOCAL of
 *   it) stops the engine and gets 57014; an engine failure (PGlite throws, its worker dies) gets XX000. Either way
 *   every connection is closed (their session is gone) and a fresh engine opens the same data; the pool reconnects;
 * - messages that are not frontend protocol messages are refused before they reach PGlite (an unknown type made
 *   it loop forever).
 * Startup `options` (-c name=value) are applied with SET when a connection starts: PGlite ignores them itself.
 * PGlite is one session, so those settings are shared by every connection (all acervo's connections send the same).
 */

export interface PgWireServerOptions {
  host: string;
  port: number;
  password: string;
  maxConnections: number;
  /** Opens the engine: at start, and again after a timeout or a failure. */
  startEngine: () => Promise<ProtocolEngine>;
  /** Closes a connection that has not authenticated by then (default 10 s). */
  authTimeoutMs?: number;
  log?: (level: 'log' | 'warn' | 'error', message: string) => void;
}

const PROTOCOL_3_0 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Frontend message types after startup (the protocol's; 'p' only while authenticating). */
const FRONTEND_TYPES = new Set('BCdcfDEHFPQSX'.split('').map((c) => c.charCodeAt(0)));
const MAX_MESSAGE_BYTES = 1 << 30;
const MAX_STARTUP_BYTES = 10_000;

type Phase = 'startup' | 'auth-sasl' | 'auth-final' | 'starting' | 'ready' | 'closed';

interface Connection {
  id: number;
  socket: Socket;
  phase: Phase;
  input: Buffer;
  startupPacket?: Buffer;
  user: string;
  settings: Array<[string, string]>;
  scram?: ScramExchange;
  /** Complete frontend messages waiting for this connection's turn. */
  queue: Buffer[];
  /** Session statement_timeout (ms; 0 = none), the one its startup set (RESET returns to it), and a SET LOCAL in the open transaction. */
  timeoutMs: number;
  startupTimeoutMs: number;
  localTimeoutMs?: number;
  /** Sent Terminate: close once its queued messages ran. */
  terminating: boolean;
  authTimer?: NodeJS.Timeout;
}

interface ErrorFields {
  severity: 'ERROR' | 'FATAL';
  code: string;
  message: string;
}

export class PgWireServer {
  private server?: Server;
  private engine?: ProtocolEngine;
  private verifier: ScramVerifier;
  private readonly connections = new Set<Connection>();
  /** The connection the session is lent to (in a transaction or mid extended-protocol), if any. */
  private owner?: Connection;
  private busy = false;
  /** A new engine is being opened (after a fault). */
  private recovering?: Promise<void>;
  private stopping = false;
  private nextId = 1;
  private port = 0;

  constructor(private readonly options: PgWireServerOptions) {
    this.verifier = scramVerifier(options.password);
  }

  async start(): Promise<{ host: string; port: number }> {
    this.engine = await this.openEngine();
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = this.options.maxConnections + 4; // room to answer "too many connections" properly
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => (this.server!.off('error', reject), resolve()));
    });
    this.port = (this.server.address() as { port: number }).port;
    return { host: this.options.host, port: this.port };
  }

  /** Closes every connection, then the engine (cleanly: PGlite checkpoints). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.connections) this.close(c);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.recovering;
    const engine = this.engine;
    this.engine = undefined;
    await engine?.close();
  }

  private async openEngine(): Promise<ProtocolEngine> {
    const engine = await this.options.startEngine();
    engine.onExit((reason) => void this.recover(`the database engine stopped (${reason})`, engine));
    return engine;
  }

  private log(level: 'log' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }

  // ---- connections and startup -------------------------------------------------------------------------------

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection = {
      id: this.nextId++,
      socket,
      phase: 'startup',
      input: Buffer.alloc(0),
      user: 'postgres',
      settings: [],
      queue: [],
      timeoutMs: 0,
      startupTimeoutMs: 0,
      terminating: false,
    };
    if (this.stopping) return void socket.destroy();
    if (this.connections.size >= this.options.maxConnections) {
      this.fatal(conn, { severity: 'FATAL', code: '53300', message: 'sorry, too many clients already' });
      return;
    }
    this.connections.add(conn);
    conn.authTimer = setTimeout(() => this.fatal(conn, { severity: 'FATAL', code: '08P01', message: 'authentication timed out' }), this.options.authTimeoutMs ?? 10_000);
    conn.authTimer.unref();
    socket.on('data', (data) => this.onData(conn, data));
    socket.on('error', () => this.dropped(conn));
    socket.on('close', () => this.dropped(conn));
  }

  private onData(conn: Connection, data: Buffer): void {
    if (conn.phase === 'closed') return;
    conn.input = conn.input.length ? Buffer.concat([conn.input, data]) : data;
    try {
      while (!isClosed(conn) && !conn.terminating) {
        if (conn.phase === 'startup') {
          if (!this.readStartup(conn)) break;
        } else {
          const message = this.readMessage(conn);
          if (!message) break;
          this.onMessage(conn, message);
        }
      }
    } catch (e) {
      this.fatal(conn, { severity: 'FATAL', code: e instanceof ScramError ? '28P01' : '08P01', message: (e as Error).message });
    }
    this.pump();
  }

  /** Reads a startup-phase packet; false when it is not complete yet. */
  private readStartup(conn: Connection): boolean {
    if (conn.input.length < 8) return false;
    const length = conn.input.readInt32BE(0);
    if (length < 8 || length > MAX_STARTUP_BYTES) throw new Error('invalid startup packet length');
    if (conn.input.length < length) return false;
    const packet = Buffer.from(conn.input.subarray(0, length));
    conn.input = conn.input.subarray(length);
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      conn.socket.write('N'); // no TLS on the loopback: the client goes on in clear
      return true;
    }
    if (code === CANCEL_REQUEST) {
      // No backend to signal (statement_timeout does the cancelling); the protocol expects the connection closed.
      this.close(conn);
      return false;
    }
    if (code !== PROTOCOL_3_0) throw new Error(`unsupported frontend protocol ${code >> 16}.${code & 0xffff}: server supports 3.0`);
    const params = parseStartupParams(packet.subarray(8));
    conn.user = params.get('user') ?? 'postgres';
    // Like Postgres, any other startup parameter is a setting (pg sends client_encoding, and statement_timeout when given).
    conn.settings = [
      ...[...params].filter(([name]) => !['user', 'database', 'options', 'replication'].includes(name) && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)),
      ...parseOptions(params.get('options') ?? ''),
    ];
    for (const [name, value] of conn.settings) if (name === 'statement_timeout') conn.timeoutMs = parseDuration(value) ?? conn.timeoutMs;
    conn.startupTimeoutMs = conn.timeoutMs;
    conn.startupPacket = packet;
    conn.phase = 'auth-sasl';
    this.write(conn, authMessage(10, Buffer.concat([cstring(SCRAM_MECHANISM), Buffer.from([0])])));
    return true;
  }

  private readMessage(conn: Connection): Buffer | undefined {
    if (conn.input.length < 5) return undefined;
    const type = conn.input[0];
    const length = conn.input.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE_BYTES) throw new Error('invalid message length');
    if (conn.input.length < length + 1) return undefined;
    const message = Buffer.from(conn.input.subarray(0, length + 1));
    conn.input = conn.input.subarray(length + 1);
    const authenticating = conn.phase === 'auth-sasl' || conn.phase === 'auth-final';
    const allowed = authenticating ? type === 0x70 /* p: SASL */ : FRONTEND_TYPES.has(type);
    if (!allowed) throw new Error(`invalid frontend message type ${type}`);
    return message;
  }

  private onMessage(conn: Connection, message: Buffer): void {
    if (conn.phase === 'auth-sasl') {
      // SASLInitialResponse: mechanism, int32 length, client-first-message
      const end = message.indexOf(0, 5);
      const mechanism = message.toString('utf8', 5, end);
      if (mechanism !== SCRAM_MECHANISM) throw new ScramError(`unsupported SASL mechanism ${mechanism}`);
      const length = message.readInt32BE(end + 1);
      conn.scram = new ScramExchange(this.verifier);
      const serverFirst = conn.scram.clientFirst(message.toString('utf8', end + 5, end + 5 + Math.max(length, 0)));
      conn.phase = 'auth-final';
      this.write(conn, authMessage(11, Buffer.from(serverFirst)));
      return;
    }
    if (conn.phase === 'auth-final') {
      let serverFinal: string;
      try {
        serverFinal = conn.scram!.clientFinal(message.toString('utf8', 5));
      } catch (e) {
        this.log('warn', `embedded Postgres: refused a connection from ${conn.socket.remoteAddress}: ${(e as Error).message}`);
        throw new ScramError(`password authentication failed for user "${conn.user}"`);
      }
      clearTimeout(conn.authTimer);
      conn.scram = undefined;
      conn.phase = 'starting';
      this.write(conn, authMessage(12, Buffer.from(serverFinal)));
      return;
    }
    if (message[0] === 0x58 /* X: Terminate */) {
      conn.terminating = true;
      if (conn.queue.length === 0 && !(this.busy && this.owner === conn)) this.close(conn);
      return;
    }
    conn.queue.push(message);
  }

  // ---- the session: one connection's batch at a time ---------------------------------------------------------

  /** Runs the next batch if the session is free: the owner's messages, else the first connection with work. */
  private pump(): void {
    if (this.busy || this.recovering || !this.engine || this.stopping) return;
    let conn = this.owner;
    if (!conn) {
      for (const c of this.connections) {
        if (c.phase === 'starting' || (c.phase === 'ready' && c.queue.length > 0)) {
          conn = c;
          break;
        }
      }
      if (conn) {
        // round robin: the next turn starts after this one
        this.connections.delete(conn);
        this.connections.add(conn);
      }
    }
    if (!conn) return;
    if (conn.phase === 'starting') return void this.runStartup(conn, this.engine);
    if (conn.phase !== 'ready' || conn.queue.length === 0) return;
    const batch = Buffer.concat(conn.queue);
    conn.queue = [];
    void this.runBatch(conn, batch, this.engine);
  }

  private async runStartup(conn: Connection, engine: ProtocolEngine): Promise<void> {
    this.busy = true;
    this.owner = conn;
    try {
      const answer: Uint8Array[] = [];
      const started = new BackendScanner();
      await engine.exec(conn.startupPacket!, (chunk) => (started.feed(chunk), answer.push(chunk)));
      if (!started.answered) throw new EngineFailure('no answer to a startup packet');
      if (conn.settings.length && conn.phase !== 'closed') {
        const set = conn.settings.map(([name, value]) => `SET ${name} TO '${value.replace(/'/g, "''")}'`).join('; ');
        const scan = new BackendScanner();
        await engine.exec(query(set), (chunk) => scan.feed(chunk));
        if (!scan.answered) throw new EngineFailure('no answer to the startup options');
        if (scan.error) {
          this.release(conn);
          return this.fatal(conn, { severity: 'FATAL', code: scan.error.code, message: `startup option refused: ${scan.error.message}` });
        }
      }
      conn.startupPacket = undefined;
      this.release(conn);
      if (conn.phase === 'closed') return; // dropped while starting: nothing of it is left in the session
      conn.phase = 'ready';
      for (const chunk of answer) this.write(conn, chunk);
    } catch (e) {
      if (engine !== this.engine) return;
      void this.recover(`starting a connection failed: ${(e as Error).message}`, engine, conn, engineFailed(e));
    } finally {
      if (engine === this.engine) this.busy = false;
      this.pump();
    }
  }

  private async runBatch(conn: Connection, batch: Buffer, engine: ProtocolEngine): Promise<void> {
    this.busy = true;
    this.owner = conn;
    trackTimeoutSettings(conn, batch);
    const timeoutMs = conn.localTimeoutMs ?? conn.timeoutMs;
    const scan = new BackendScanner();
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        const message = 'canceling statement due to statement timeout';
        void this.recover(`a statement ran longer than its statement_timeout (${timeoutMs} ms)`, engine, conn, { severity: 'ERROR', code: '57014', message });
      }, timeoutMs);
    }
    try {
      await engine.exec(batch, (chunk) => {
        scan.feed(chunk);
        this.write(conn, chunk);
      });
    } catch (e) {
      if (engine === this.engine) void this.recover(`a statement failed the database engine: ${(e as Error).message}`, engine, conn, engineFailed(e));
      return;
    } finally {
      clearTimeout(timer);
    }
    if (engine !== this.engine) return; // recovered meanwhile
    if (expectsReady(batch) && !scan.answered) {
      // PGlite swallows some internal failures (a WASM stack overflow in a deeply recursive statement) and
      // returns half an answer: the client would wait forever, and the session answers wrongly afterwards.
      const message = 'the embedded database failed running this statement (no answer) and is restarting';
      void this.recover('a statement got no complete answer (PGlite failed inside it)', engine, conn, { severity: 'FATAL', code: 'XX000', message });
      return;
    }
    this.busy = false;
    if (scan.idle) {
      conn.localTimeoutMs = undefined; // a SET LOCAL ends with its transaction
      this.release(conn);
    }
    if (conn.phase === 'closed') await this.resetAfterDrop(conn, engine);
    else if (conn.terminating && conn.queue.length === 0) this.close(conn);
    this.pump();
  }

  private release(conn: Connection): void {
    if (this.owner === conn) this.owner = undefined;
  }

  /** The connection that held the session dropped: roll its transaction back before anyone else runs. */
  private async resetAfterDrop(conn: Connection, engine: ProtocolEngine): Promise<void> {
    if (this.owner !== conn) return;
    this.busy = true;
    try {
      // Sync ends an extended-protocol exchange left half-way; ROLLBACK ends a transaction (a warning if none)
      await engine.exec(Buffer.concat([Buffer.from([0x53, 0, 0, 0, 4]), query('ROLLBACK')]), () => undefined);
      this.owner = undefined;
      this.busy = false;
    } catch (e) {
      if (engine === this.engine) void this.recover(`resetting the session failed: ${(e as Error).message}`, engine);
    }
  }

  /**
   * Stops the engine (a timeout, a failure or its death), answers `culprit` with `error`, closes every connection
   * that had started (their session is gone) and opens a fresh engine on the same data.
   */
  private recover(reason: string, failed: ProtocolEngine, culprit?: Connection, error?: ErrorFields): Promise<void> {
    if (this.engine !== failed || this.recovering || this.stopping) return this.recovering ?? Promise.resolve();
    this.log('warn', `embedded Postgres: ${reason}; restarting the engine and closing its connections`);
    this.engine = undefined;
    this.owner = undefined;
    this.busy = false;
    if (culprit && error) this.fatal(culprit, error);
    for (const c of this.connections) if (c.phase === 'ready' || c.phase === 'starting') this.close(c);
    this.recovering = (async () => {
      await failed.kill().catch(() => undefined);
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          this.engine = await this.openEngine();
          this.log('log', 'embedded Postgres: engine restarted');
          return;
        } catch (e) {
          this.log('error', `embedded Postgres: the engine did not restart (attempt ${attempt}): ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 10_000)));
        }
      }
    })().finally(() => {
      this.recovering = undefined;
      this.pump();
    });
    return this.recovering;
  }

  private dropped(conn: Connection): void {
    if (conn.phase !== 'closed') this.close(conn);
  }

  /**
   * Ends a connection. If it holds the session between two batches (inside a transaction), the session is
   * reset now; if its batch is running, runBatch resets it when the batch ends.
   */
  private close(conn: Connection): void {
    conn.phase = 'closed';
    conn.queue = [];
    clearTimeout(conn.authTimer);
    this.connections.delete(conn);
    if (!conn.socket.destroyed) conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 1000).unref();
    if (this.owner === conn && !this.busy && this.engine && !this.recovering) {
      const engine = this.engine;
      void this.resetAfterDrop(conn, engine).finally(() => this.pump());
    }
  }

  private fatal(conn: Connection, error: ErrorFields): void {
    this.write(conn, errorResponse(error));
    this.close(conn);
  }

  private write(conn: Connection, data: Uint8Array | string): void {
    if (!conn.socket.destroyed && conn.socket.writable) conn.socket.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
}

/** Whether the batch ends with a message the backend answers with ReadyForQuery (Sync, Query, FunctionCall). */
function expectsReady(batch: Buffer): boolean {
  let last = 0;
  for (let at = 0; at + 5 <= batch.length; at += 1 + batch.readInt32BE(at + 1)) last = batch[at];
  return last === 0x53 /* S */ || last === 0x51 /* Q */ || last === 0x46; /* F */
}

/** Read through a call: TypeScript keeps a narrowed `phase` across the calls that change it. */
const isClosed = (conn: Connection) => conn.phase === 'closed';

function engineFailed(e: unknown): ErrorFields {
  const detail = e instanceof EngineFailure ? e.message : String(e);
  return { severity: 'FATAL', code: 'XX000', message: `the embedded database failed and is restarting (${detail})` };
}

// ---- wire format ------------------------------------------------------------------------------------------

const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function authMessage(code: number, data: Buffer): Buffer {
  const c = Buffer.alloc(4);
  c.writeInt32BE(code);
  return message('R', Buffer.concat([c, data]));
}

function query(sql: string): Buffer {
  return message('Q', cstring(sql));
}

function errorResponse(e: ErrorFields): Buffer {
  return message('E', Buffer.concat([cstring(`S${e.severity}`), cstring(`V${e.severity}`), cstring(`C${e.code}`), cstring(`M${e.message}`), Buffer.from([0])]));
}

function parseStartupParams(body: Buffer): Map<string, string> {
  const parts = body.toString('utf8').split('\0');
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) params.set(parts[i], parts[i + 1]);
  return params;
}

/** `-c name=value` and `--name=value` from the startup `options` (backslash escapes a space). */
export function parseOptions(options: string): Array<[string, string]> {
  const words = (options.match(/(?:\\.|\S)+/g) ?? []).map((w) => w.replace(/\\(.)/g, '$1'));
  const settings: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    let pair: string | undefined;
    if (words[i] === '-c') pair = words[++i];
    else if (words[i].startsWith('-c')) pair = words[i].slice(2);
    else if (words[i].startsWith('--')) pair = words[i].slice(2);
    const m = pair ? /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(pair) : null;
    if (!m) throw new Error(`invalid startup option: ${words[i]}`);
    settings.push([m[1].replace(/-/g, '_'), m[2]]);
  }
  return settings;
}

/** A statement_timeout value in ms (Postgres units; a bare number is ms), or undefined. */
export function parseDuration(value: string): number | undefined {
  if (/^default$/i.test(value.trim())) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

const SET_TIMEOUT = /\bSET\s+(SESSION\s+|LOCAL\s+)?statement_timeout\s*(?:=|\bTO\b)\s*(?:'([^']*)'|"([^"]*)"|([^\s;]+))/gi;
const RESET_TIMEOUT = /\bRESET\s+(?:statement_timeout|ALL)\b/i;

/** Follows SET [LOCAL] statement_timeout and RESET in the SQL of Query and Parse messages, so the watchdog knows the timeout. */
export function trackTimeoutSettings(conn: Pick<Connection, 'timeoutMs' | 'startupTimeoutMs' | 'localTimeoutMs'>, batch: Buffer): void {
  for (let at = 0; at + 5 <= batch.length; ) {
    const type = batch[at];
    const length = batch.readInt32BE(at + 1);
    if (type === 0x51 /* Q */ || type === 0x50 /* P */) {
      let body = batch.subarray(at + 5, at + 1 + length);
      if (type === 0x50) body = body.subarray(body.indexOf(0) + 1); // statement name first
      const sql = body.toString('utf8', 0, Math.max(body.indexOf(0), 0));
      if (/statement_timeout|reset\s+all/i.test(sql)) {
        for (const m of sql.matchAll(SET_TIMEOUT)) {
          const ms = parseDuration(m[2] ?? m[3] ?? m[4]);
          if (ms === undefined) continue;
          if (m[1]?.trim().toUpperCase() === 'LOCAL') conn.localTimeoutMs = ms;
          else conn.timeoutMs = ms;
        }
        if (RESET_TIMEOUT.test(sql)) conn.timeoutMs = conn.startupTimeoutMs;
      }
    }
    at += 1 + length;
  }
}

/** Follows the backend's messages across chunks: whether the answer ended with ReadyForQuery 'I', and the first error. */
export class BackendScanner {
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private remaining = 0;
  private type = 0;
  private body: Buffer[] = [];
  private lastType = 0;
  private status = 0;
  error?: { code: string; message: string };

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.headerBytes < 5) {
        this.header[this.headerBytes++] = chunk[i++];
        if (this.headerBytes === 5) {
          this.type = this.header[0];
          this.remaining = this.header.readInt32BE(1) - 4;
          this.body = [];
          if (this.remaining <= 0) this.complete();
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - i);
      if (this.type === 0x5a /* Z */ || (this.type === 0x45 /* E */ && !this.error)) this.body.push(Buffer.from(chunk.subarray(i, i + take)));
      i += take;
      this.remaining -= take;
      if (this.remaining === 0) this.complete();
    }
  }

  /** The answer ended with ReadyForQuery and the session is idle (no transaction open). */
  get idle(): boolean {
    return this.headerBytes === 0 && this.lastType === 0x5a && this.status === 0x49; /* I */
  }

  /** The answer is complete: it ended with ReadyForQuery, or with CopyInResponse / CopyBothResponse (COPY waits for data). */
  get answered(): boolean {
    return this.headerBytes === 0 && (this.lastType === 0x5a /* Z */ || this.lastType === 0x47 /* G */ || this.lastType === 0x57); /* W */
  }

  private complete(): void {
    const body = Buffer.concat(this.body);
    if (this.type === 0x5a) this.status = body[0];
    if (this.type === 0x45 && !this.error) {
      const fields = new Map(body.toString('utf8').split('\0').filter(Boolean).map((f) => [f[0], f.slice(1)]));
      this.error = { code: fields.get('C') ?? 'XX000', message: fields.get('M') ?? 'error' };
    }
    this.lastType = this.type;
    this.headerBytes = 0;
    this.body = [];
  }
}
