import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Beside the embedded data: the password its Postgres-protocol server requires (owner-only, 0600). */
export const PASSWORD_FILE = 'postgres.password';

/**
 * The password in `file`, generated on first use (48 hex characters, written with mode 0600 and never
 * logged). A file other users can read is made owner-only again.
 */
export function readOrCreatePassword(file: string): string {
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(24).toString('hex')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const password = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/.test(password)) throw new Error(`${file} does not hold a password acervo generated (48 hex characters); delete it to make a new one`);
  return password;
}
