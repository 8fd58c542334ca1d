import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';

/**
 * Where an e2e app's log lines go. With LOG_LEVEL set, stdout as in production. Otherwise a file per test
 * suite in the directory suite-logs.reporter.cjs made (ACERVO_TEST_LOG_DIR), which that reporter prints
 * after a suite with a failed test and deletes otherwise: the intentional 5xx of a green run stay quiet.
 * Without that reporter (jest --reporters=...), stdout: nothing is swallowed that nobody would show.
 */
export function suiteLogDestination(): DestinationStream | undefined {
  const dir = process.env.ACERVO_TEST_LOG_DIR;
  const testPath = expect.getState().testPath;
  if (process.env.LOG_LEVEL || !dir || !testPath) return undefined;
  // Same name as suiteLogFile() in suite-logs.reporter.cjs. Appended line by line (no fd left open per app).
  const file = join(dir, `${createHash('sha1').update(testPath).digest('hex')}.log`);
  return { write: (line: string) => appendFileSync(file, line) };
}
