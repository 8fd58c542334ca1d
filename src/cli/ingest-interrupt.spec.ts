import { EXIT_INTERRUPTED, interruptHandler } from './ingest.command';

describe('interruptHandler (Ctrl+C in npm run ingest)', () => {
  it('stops after the batch on the first Ctrl+C, and on the second exits 130 saying what stays and what is rebuilt', () => {
    const interrupt = new AbortController();
    const written: string[] = [];
    const exits: number[] = [];
    const onSigint = interruptHandler(interrupt, (t) => written.push(t), (c) => exits.push(c));

    onSigint();
    expect(interrupt.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    expect(written.join('')).toContain('Stopping after the batch being written (Ctrl+C again to quit now)');

    onSigint();
    expect(exits).toEqual([EXIT_INTERRUPTED]);
    // probe 17: the output ended at "Building the vector index..." with nothing said about the index left unbuilt
    expect(written[1]).toMatch(/^Quit\. What was committed stays.*vector index .* is built when acervo next starts/);
  });
});
