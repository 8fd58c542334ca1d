import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ClosableApp, GracefulShutdown } from './graceful-shutdown';

/** A response a test finishes by hand. */
function response(): Response & EventEmitter {
  return Object.assign(new EventEmitter(), { setHeader: jest.fn() }) as unknown as Response & EventEmitter;
}

function fakeApp(close: () => Promise<void> = async () => undefined) {
  const calls: string[] = [];
  const server = {
    close: () => calls.push('server.close'),
    closeIdleConnections: () => calls.push('closeIdle'),
    closeAllConnections: () => calls.push('closeAll'),
  };
  const app: ClosableApp = {
    getHttpServer: () => server as unknown as Server,
    close: async () => {
      calls.push('app.close');
      await close();
    },
  };
  return { app, calls };
}

describe('GracefulShutdown', () => {
  const exits: number[] = [];
  const shutdown = (graceMs = 25_000) => new GracefulShutdown({ graceMs, stopAcceptingAfterMs: 0 }, (code) => exits.push(code));
  const serve = (s: GracefulShutdown) => {
    const res = response();
    s.middleware({} as Request, res, (() => undefined) as NextFunction);
    return res;
  };
  const flush = () => new Promise((r) => setImmediate(r));

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  // the grace timers of shutdowns a test leaves pending never fire
  beforeEach(() => ((exits.length = 0), jest.useFakeTimers({ doNotFake: ['setImmediate'] })));
  afterEach(() => (jest.clearAllTimers(), jest.useRealTimers()));

  it('closes the listener at once, waits for the request in flight, then closes the app and exits 0', async () => {
    const s = shutdown();
    const { app, calls } = fakeApp();
    const res = serve(s);
    await expect(s.readinessCheck().check()).resolves.toEqual({ up: true, details: { state: 'serving', in_flight: 1 } });

    s.onSignal(app, 'SIGTERM');
    await flush();
    expect(calls).toEqual(['server.close', 'closeIdle']);
    await expect(s.readinessCheck().check()).resolves.toEqual({ up: false, details: { state: 'draining', in_flight: 1 } });
    const late = serve(s); // arrived on a kept-alive connection: served, then that connection closes
    expect(late.setHeader).toHaveBeenCalledWith('connection', 'close');
    late.emit('finish');

    res.emit('finish');
    await flush();
    expect(calls).toEqual(['server.close', 'closeIdle', 'closeAll', 'app.close']);
    expect(exits).toEqual([0]);
  });

  it('a second signal exits at once with 128 + its number', async () => {
    const s = shutdown();
    const { app, calls } = fakeApp();
    serve(s);
    s.onSignal(app, 'SIGTERM');
    s.onSignal(app, 'SIGINT');
    expect(exits).toEqual([130]);
    expect(calls).not.toContain('app.close');
  });

  it('exits 1 when the grace period ends before the requests in flight', async () => {
    const s = shutdown(1000);
    const { app, calls } = fakeApp();
    serve(s); // never finishes
    s.onSignal(app, 'SIGTERM');
    jest.advanceTimersByTime(999);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(exits).toEqual([1]);
    expect(calls).not.toContain('app.close');
  });

  it('exits 1 when closing the application fails', async () => {
    const s = shutdown();
    const { app } = fakeApp(async () => {
      throw new Error('database did not close');
    });
    s.onSignal(app, 'SIGTERM');
    await flush();
    await flush();
    expect(exits).toEqual([1]);
  });
});
