import type { Server } from 'node:http';
import { constants } from 'node:os';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { ReadinessCheck } from '../health/health-registry';

export interface ShutdownConfig {
  /** Time from the first SIGTERM/SIGINT for in-flight requests, streams and the closing to finish; then exit 1. */
  graceMs: number;
  /**
   * Time from the signal during which new connections are still accepted (and served) while readiness answers
   * 503, so a load balancer sees the replica unready before its listener closes. 0: the listener closes at once.
   */
  stopAcceptingAfterMs: number;
}

/** What the shutdown needs of the Nest application: its HTTP server and close(). */
export interface ClosableApp {
  getHttpServer(): Server;
  close(): Promise<void>;
}

type Phase = 'serving' | 'draining' | 'closing';

/**
 * Graceful shutdown (issue 12). On the first SIGTERM or SIGINT:
 *  1. draining: readiness turns 503 (the `lifecycle` check) and every answer carries `Connection: close`;
 *     after `stopAcceptingAfterMs` (0: at once) the listener closes, so no new connection is accepted, and idle
 *     keep-alive connections are closed;
 *  2. drained: every request in flight (uploads and SSE streams included) has finished;
 *  3. closed: app.close() ran the lifecycle hooks: re-index jobs stop at their next batch and leave their
 *     collection on its old embedder, the database closes (the embedded PGlite checkpoints);
 * then the process exits 0. A second signal, or `graceMs` passing first, exits at once (128 + signal, or 1).
 * Nest's own enableShutdownHooks runs the hooks before the HTTP server stops and ignores a second signal.
 */
export class GracefulShutdown {
  private phase: Phase = 'serving';
  private readonly inFlight = new Set<Response>();
  private whenIdle?: () => void;
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly config: ShutdownConfig,
    private readonly exit: (code: number) => void = (code) => process.exit(code),
  ) {}

  get state(): Phase {
    return this.phase;
  }

  /** Express middleware, registered first: counts every request until its response finishes or its client goes. */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.phase !== 'serving') res.setHeader('connection', 'close');
    this.inFlight.add(res);
    const done = () => {
      if (this.inFlight.delete(res) && this.inFlight.size === 0) this.whenIdle?.();
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };

  /** Readiness detail: down from the first signal on, so the load balancer stops routing here at once. */
  readinessCheck(): ReadinessCheck {
    return {
      name: 'lifecycle',
      check: async () => ({ up: this.phase === 'serving', details: { state: this.phase, in_flight: this.inFlight.size } }),
    };
  }

  /** Handles SIGTERM and SIGINT for `app` (main.ts only: the e2e apps share a Jest process). */
  listen(app: ClosableApp, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
    for (const signal of signals) process.on(signal, () => this.onSignal(app, signal));
  }

  onSignal(app: ClosableApp, signal: NodeJS.Signals): void {
    if (this.phase === 'serving') {
      void this.shutdown(app, signal).then((code) => this.exit(code));
      return;
    }
    this.logger.error(
      { phase: 'forced', signal, inFlight: this.inFlight.size, state: this.phase },
      `second ${signal} while ${this.phase}: exiting at once with ${this.inFlight.size} request(s) in flight`,
    );
    this.exit(128 + (constants.signals[signal] ?? 15));
  }

  /** Drains, closes the application and resolves to the exit code (0, or 1 when closing failed). */
  async shutdown(app: ClosableApp, signal: NodeJS.Signals): Promise<number> {
    const started = Date.now();
    const { graceMs } = this.config;
    this.phase = 'draining';
    const deadline = setTimeout(() => {
      this.logger.error(
        { phase: 'forced', signal, inFlight: this.inFlight.size, state: this.phase, graceMs },
        `grace period of ${graceMs} ms over while ${this.phase}: exiting at once with ${this.inFlight.size} request(s) in flight`,
      );
      this.exit(1);
    }, graceMs);
    this.logger.log(
      { phase: 'draining', signal, inFlight: this.inFlight.size, graceMs },
      `${signal}: draining ${this.inFlight.size} request(s) in flight (grace ${graceMs} ms); readiness is 503, no new connection accepted`,
    );
    const server = app.getHttpServer();
    if (this.config.stopAcceptingAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, this.config.stopAcceptingAfterMs));
    server.close(); // stops accepting (and closes idle keep-alive connections); the idle wait covers the rest
    server.closeIdleConnections();
    this.logger.log(
      { phase: 'listener-closed', inFlight: this.inFlight.size, ms: Date.now() - started },
      `listener closed: no new connection accepted (${this.inFlight.size} request(s) in flight)`,
    );
    await this.idle();
    server.closeAllConnections(); // keep-alive connections left idle by the last responses
    this.logger.log({ phase: 'drained', ms: Date.now() - started }, `drained in ${Date.now() - started} ms`);

    this.phase = 'closing';
    let code = 0;
    try {
      await app.close();
      this.logger.log({ phase: 'closed', ms: Date.now() - started }, `closed in ${Date.now() - started} ms (jobs stopped, database closed)`);
    } catch (e) {
      code = 1;
      this.logger.error({ phase: 'closed', err: e, ms: Date.now() - started }, `closing failed: ${(e as Error).message}`);
    }
    clearTimeout(deadline);
    return code;
  }

  private idle(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.whenIdle = resolve));
  }
}
