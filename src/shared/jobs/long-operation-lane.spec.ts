import { LaneWaitAbortedError, LongOperationLane } from './long-operation-lane';

describe('LongOperationLane', () => {
  it('runs at most `concurrency` operations; the next waiter gets a freed slot before any newcomer', async () => {
    const lane = new LongOperationLane(1);
    const first = lane.tryAcquire()!;
    expect(lane.tryAcquire()).toBeUndefined();
    const order: string[] = [];
    const waiting = lane.run(async () => order.push('waiter'));
    expect(lane.waiting).toBe(1);
    first();
    // the slot went to the waiter: a tryAcquire now finds the lane full
    expect(lane.tryAcquire()).toBeUndefined();
    await waiting;
    expect(order).toEqual(['waiter']);
    expect({ active: lane.active, waiting: lane.waiting }).toEqual({ active: 0, waiting: 0 });
  });

  it('releases the slot when the work throws, and a release called twice frees one slot', async () => {
    const lane = new LongOperationLane(1);
    await expect(lane.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const release = lane.tryAcquire()!;
    release();
    release();
    expect(lane.active).toBe(0);
  });

  it('a paused lane (0) grants nothing; an aborted wait rejects and leaves the queue', async () => {
    const lane = new LongOperationLane(0);
    expect(lane.tryAcquire()).toBeUndefined();
    const stop = new AbortController();
    const waiting = lane.acquire(stop.signal);
    expect(lane.waiting).toBe(1);
    stop.abort();
    await expect(waiting).rejects.toBeInstanceOf(LaneWaitAbortedError);
    expect(lane.waiting).toBe(0);
    await expect(lane.acquire(stop.signal)).rejects.toBeInstanceOf(LaneWaitAbortedError);
  });

  it('reads a limit given as a function at each release: a raised one admits more waiters, a lowered one fewer', async () => {
    let limit = 1;
    const lane = new LongOperationLane(() => limit);
    const releases = [lane.tryAcquire()!];
    const granted: Array<() => void> = [];
    const waits = [1, 2, 3].map(() => lane.acquire().then((r) => granted.push(r)));
    limit = 3;
    releases[0]();
    await Promise.resolve();
    await Promise.resolve();
    // one slot freed and the limit raised to 3: all three waiters are admitted at once
    expect({ active: lane.active, waiting: lane.waiting, granted: granted.length }).toEqual({ active: 3, waiting: 0, granted: 3 });
    await Promise.all(waits);
    limit = 1;
    granted[0]();
    const next = lane.acquire();
    expect(lane.waiting).toBe(1);
    granted[1]();
    // one still running against a limit of 1: the waiter gets its slot only when that one is released
    expect(lane.waiting).toBe(1);
    granted[2]();
    await next;
    expect({ active: lane.active, waiting: lane.waiting }).toEqual({ active: 1, waiting: 0 });
  });

  it('a raised limit admits the earlier waiters before a newcomer', async () => {
    let limit = 1;
    const lane = new LongOperationLane(() => limit);
    lane.tryAcquire()!;
    const order: string[] = [];
    const waiting = lane.acquire().then(() => order.push('waiter'));
    limit = 2;
    // the raised slot goes to the waiter, not to this newcomer
    expect(lane.tryAcquire()).toBeUndefined();
    await waiting;
    expect(order).toEqual(['waiter']);
    expect(lane.active).toBe(2);
  });
});
