import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DomainError, ProblemDetails, problemFromDomainError, sendProblem } from '../errors';
import type { ReadinessCheck } from '../health/health-registry';
import { assignRequestId } from '../logging';

export interface BackpressureConfig {
  /** Requests this process serves at once; past it, 503 REQUEST.OVERLOADED at once. 0 disables. */
  maxInFlight: number;
  /** Retry-After (seconds) of that 503. */
  retryAfterSeconds: number;
}

/** Probes, the Prometheus scrape and the API docs are never shed: Kubernetes must still see the process, and readiness says why. */
const EXEMPT = /^\/(health\/|metrics(?:\?|$)|docs(?:[/?-]|$))/;
const LOG_INTERVAL_MS = 10_000;

/**
 * Bounded in-flight requests per process (issue 12): a request past `maxInFlight` is answered at once with
 * 503 problem+json and Retry-After, instead of queueing for the database's connection until it times out.
 */
export class LoadShedder {
  private inFlight = 0;
  private shedSinceLog = 0;
  private lastLog = 0;
  private readonly logger = new Logger('LoadShedding');

  constructor(private readonly config: BackpressureConfig) {}

  get current(): number {
    return this.inFlight;
  }

  /** Express middleware; register it first so nothing runs for a shed request. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (EXEMPT.test(req.url)) return next();
    const release = this.tryAcquire();
    if (!release) return this.shed(req, res);
    res.once('finish', release);
    res.once('close', release);
    next();
  };

  /**
   * One unit of work in the in-flight budget (a request, or a WebSocket chat turn): a release function to call once
   * (more calls are no-ops) when it ends, or undefined when the budget is spent (the caller answers overloaded()).
   */
  tryAcquire(): (() => void) | undefined {
    const max = this.config.maxInFlight;
    if (max > 0 && this.inFlight >= max) return undefined;
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
    };
  }

  /** The 503 REQUEST.OVERLOADED problem of work refused for want of budget (counted and logged at most every 10 s). */
  overloaded(): ProblemDetails {
    const max = this.config.maxInFlight;
    this.shedSinceLog++;
    const now = Date.now();
    if (now - this.lastLog >= LOG_INTERVAL_MS) {
      this.logger.warn({ shed: this.shedSinceLog, inFlight: this.inFlight, maxInFlight: max }, `shedding load: ${this.shedSinceLog} request(s) answered 503 REQUEST.OVERLOADED`);
      this.shedSinceLog = 0;
      this.lastLog = now;
    }
    return problemFromDomainError(
      new DomainError('REQUEST.OVERLOADED', 'unavailable', `The server is at its limit of ${max} requests in flight (http.backpressure.maxInFlight). Retry later.`),
    );
  }

  /** Readiness detail: saturated (down) while in-flight ≥ max, so the load balancer stops routing here. */
  readinessCheck(): ReadinessCheck {
    return {
      name: 'http',
      check: async () => {
        const max = this.config.maxInFlight;
        return { up: max === 0 || this.inFlight < max, details: { in_flight: this.inFlight, max_in_flight: max } };
      },
    };
  }

  private shed(req: Request, res: Response): void {
    const requestId = assignRequestId(req, res);
    const problem = this.overloaded();
    res.setHeader('Retry-After', String(this.config.retryAfterSeconds));
    sendProblem(req, res, { ...problem, instance: req.originalUrl, requestId });
  }
}
