import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors/domain-error';
import { crossOriginWriteGuard, originAllowed } from './security';

describe('originAllowed', () => {
  it('lets in clients without an Origin, the service\'s own origin and the configured ones; no other page', () => {
    expect(originAllowed(undefined, '127.0.0.1:3000', [])).toBe(true);
    expect(originAllowed('http://127.0.0.1:3000', '127.0.0.1:3000', [])).toBe(true);
    expect(originAllowed('https://Acervo.Example.com', 'acervo.example.com', [])).toBe(true);
    expect(originAllowed('https://intranet.example.com', 'acervo.example.com', ['https://intranet.example.com'])).toBe(true);
    expect(originAllowed('https://qualquer.example', 'acervo.example.com', ['*'])).toBe(true);
    expect(originAllowed('https://evil.example', '127.0.0.1:3000', [])).toBe(false);
    expect(originAllowed('http://127.0.0.1:4000', '127.0.0.1:3000', ['https://intranet.example.com'])).toBe(false);
    expect(originAllowed('null', '127.0.0.1:3000', [])).toBe(false);
    expect(originAllowed('https://evil.example', undefined, [])).toBe(false);
    // one spelling: default ports, letter case, a trailing slash in the configured list
    expect(originAllowed('https://acervo.example.com', 'acervo.example.com:443', [])).toBe(true);
    expect(originAllowed('http://acervo.example.com', 'acervo.example.com:80', [])).toBe(true);
    expect(originAllowed('https://intranet.example.com', 'api.internal:3000', ['HTTPS://Intranet.Example.com:443/'])).toBe(true);
    expect(originAllowed('http://[::1]:3000', '[::1]:3000', [])).toBe(true);
    expect(originAllowed('https://acervo.example.com', 'acervo.example.com:80', [])).toBe(false);
    // a browser extension or a desktop app: allowed when listed, by scheme and host
    expect(originAllowed('chrome-extension://abcdefghijklmnop', '127.0.0.1:3000', ['chrome-extension://ABCDEFGHIJKLMNOP'])).toBe(true);
    expect(originAllowed('chrome-extension://other', '127.0.0.1:3000', ['chrome-extension://abcdefghijklmnop'])).toBe(false);
    expect(originAllowed('file:///tmp/page.html', '127.0.0.1:3000', [])).toBe(false);
  });
});

describe('crossOriginWriteGuard', () => {
  const run = (method: string, headers: Record<string, string>, allowed: string[] = []): unknown => {
    let passed: unknown = 'not called';
    crossOriginWriteGuard(allowed)({ method, headers: { host: '127.0.0.1:3000', ...headers } } as unknown as Request, {} as Response, ((e?: unknown) => (passed = e)) as NextFunction);
    return passed;
  };

  it('lets reads, clients without an Origin, the own origin and the configured ones through', () => {
    expect(run('GET', { origin: 'https://evil.example' })).toBeUndefined();
    expect(run('OPTIONS', { origin: 'https://evil.example' })).toBeUndefined();
    expect(run('POST', {})).toBeUndefined();
    expect(run('POST', { 'sec-fetch-site': 'same-origin' })).toBeUndefined();
    expect(run('POST', { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-origin' })).toBeUndefined();
    expect(run('DELETE', { origin: 'https://intranet.example.com' }, ['https://intranet.example.com'])).toBeUndefined();
  });

  it('refuses a write from a page of another origin, or marked cross-site, with 403 AUTH.ORIGIN_NOT_ALLOWED', () => {
    for (const [method, headers] of [
      ['POST', { origin: 'https://evil.example' }],
      ['PUT', { origin: 'null' }],
      ['DELETE', { origin: 'http://127.0.0.1:4000' }],
      ['PATCH', { 'sec-fetch-site': 'cross-site' }],
    ] as const) {
      const e = run(method, headers) as DomainError;
      expect(e).toBeInstanceOf(DomainError);
      expect({ code: e.code, kind: e.kind }).toEqual({ code: 'AUTH.ORIGIN_NOT_ALLOWED', kind: 'forbidden' });
      expect(e.message).toContain(method);
    }
  });
});
