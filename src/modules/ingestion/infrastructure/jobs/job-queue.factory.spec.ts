import { loadConfig } from '../../../../shared/config';
import { resolveJobBackend } from './job-queue.factory';

describe('resolveJobBackend (jobs.backend)', () => {
  const jobs = (env: Record<string, string>) => loadConfig({ env: { ...env, APP_PROFILES: '' } }).jobs;

  it('auto is postgres without REDIS_URL (npm start needs no Redis) and bull with it', () => {
    expect(resolveJobBackend(jobs({}))).toBe('postgres');
    expect(resolveJobBackend(jobs({ REDIS_URL: 'redis://127.0.0.1:6379' }))).toBe('bull');
  });

  it('an explicit backend wins over REDIS_URL; bull without a Redis URL is refused with the key to set', () => {
    expect(resolveJobBackend(jobs({ JOBS_BACKEND: 'postgres', REDIS_URL: 'redis://127.0.0.1:6379' }))).toBe('postgres');
    expect(() => resolveJobBackend(jobs({ JOBS_BACKEND: 'bull' }))).toThrow(/jobs\.redisUrl \(REDIS_URL\)/);
  });

  it('WORKER_EMBEDDED=false turns off consuming in the API process', () => {
    expect(jobs({}).embeddedWorker).toBe(true);
    expect(jobs({ WORKER_EMBEDDED: 'false' }).embeddedWorker).toBe(false);
  });
});
