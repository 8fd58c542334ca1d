import { performance } from 'node:perf_hooks';
import { LOOP_SLICE_MS, yieldIfLong } from './yield-if-long';

// A clock the tests move: work of `ms` advances it by exactly that, and nothing else does (a GC pause between two calls
// read as a spent slice on the wall clock and failed the first test in a loaded CI run).
let clock = 0;
const spin = (ms: number) => {
  clock += ms;
};

describe('yieldIfLong', () => {
  beforeEach(() => {
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  it('does not yield while the current turn is short', async () => {
    await new Promise((r) => setImmediate(r)); // a fresh turn
    expect(yieldIfLong()).toBeUndefined();
    expect(yieldIfLong()).toBeUndefined();
  });

  it('after a long stretch, yields so that callbacks waiting behind the work run first, then starts a new slice', async () => {
    await new Promise((r) => setImmediate(r));
    const order: string[] = [];
    expect(yieldIfLong()).toBeUndefined();
    setImmediate(() => order.push('other request'));
    spin(LOOP_SLICE_MS + 2);
    const pause = yieldIfLong();
    expect(typeof pause?.then).toBe('function');
    await pause;
    order.push('work resumed');
    expect(order).toEqual(['other request', 'work resumed']);
    expect(yieldIfLong()).toBeUndefined();
  });

  it('lets two long jobs take turns: the second progresses while the first runs, not one unit per turn after it', async () => {
    const done: string[] = [];
    const job = async (name: string) => {
      for (let i = 0; i < 12; i++) {
        spin(3);
        done.push(name);
        const pause = yieldIfLong();
        if (pause) await pause;
      }
    };
    await Promise.all([job('a'), job('b')]);
    // each resumed job gets a slice of its own (about 3 units): b does a good part of its work before a ends
    // (with one slice shared per turn, a took every slice and b did one unit per turn: 2 of 12 by then)
    const bBeforeAEnds = done.slice(0, done.lastIndexOf('a')).filter((x) => x === 'b').length;
    expect(bBeforeAEnds).toBeGreaterThanOrEqual(4);
  });

  it('shares the slice between concurrent callers of one turn', async () => {
    await new Promise((r) => setImmediate(r));
    expect(yieldIfLong()).toBeUndefined(); // first caller starts the slice
    spin(LOOP_SLICE_MS + 2);
    expect(typeof yieldIfLong()?.then).toBe('function'); // a second caller in the same turn sees it spent
  });
});
