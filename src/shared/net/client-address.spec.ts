import type { IncomingMessage } from 'node:http';
import { clientAddress, proxyTrust } from './client-address';

const req = (peer: string, forwarded?: string) => ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

describe('clientAddress (http.trustProxy on requests Express does not see)', () => {
  it('believes X-Forwarded-For from a loopback proxy, right to left while each hop is trusted', () => {
    const trust = proxyTrust(['loopback']);
    expect(clientAddress(req('127.0.0.1', '203.0.113.9'), trust)).toBe('203.0.113.9');
    expect(clientAddress(req('::ffff:127.0.0.1', '198.51.100.1, 203.0.113.9'), trust)).toBe('203.0.113.9');
    expect(clientAddress(req('::1', '198.51.100.1, 127.0.0.1'), trust)).toBe('198.51.100.1');
    expect(clientAddress(req('10.1.2.3', '203.0.113.9'), trust)).toBe('10.1.2.3');
    expect(clientAddress(req('127.0.0.1'), trust)).toBe('127.0.0.1');
  });

  it('takes subnets, addresses, names and hop counts as Express does, and none', () => {
    const ingress = proxyTrust(['10.0.0.0/8', 'uniquelocal']);
    expect(clientAddress(req('::ffff:10.4.0.7', '203.0.113.9'), ingress)).toBe('203.0.113.9');
    expect(clientAddress(req('192.168.1.1', '172.16.0.2, 203.0.113.9'), ingress)).toBe('203.0.113.9');
    expect(clientAddress(req('127.0.0.1', '203.0.113.9'), ingress)).toBe('127.0.0.1');
    expect(clientAddress(req('203.0.113.5', '203.0.113.9'), proxyTrust(['203.0.113.5']))).toBe('203.0.113.9');
    expect(clientAddress(req('fd00::1', '2001:db8::7'), proxyTrust(['fc00::/7']))).toBe('2001:db8::7');
    expect(clientAddress(req('10.0.0.1', '198.51.100.1, 203.0.113.9'), proxyTrust(1))).toBe('203.0.113.9');
    expect(clientAddress(req('10.0.0.1', '198.51.100.1, 203.0.113.9'), proxyTrust(2))).toBe('198.51.100.1');
    expect(clientAddress(req('127.0.0.1', '203.0.113.9'), proxyTrust(false))).toBe('127.0.0.1');
  });
});
