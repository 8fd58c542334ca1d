import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** http.trustProxy as the config gives it: false (none), a hop count, or names, addresses and subnets. */
export type TrustProxy = false | number | string[];

const NAMED: Record<string, Array<[string, number, 'ipv4' | 'ipv6']>> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  linklocal: [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
  ],
  uniquelocal: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
  ],
};

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) as the IPv4 it is. */
function plain(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

/** Whether the proxy at `address` (`hop` steps from the server) is believed, by http.trustProxy. */
export function proxyTrust(setting: TrustProxy): (address: string, hop: number) => boolean {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  const list = new BlockList();
  for (const item of setting) {
    for (const [net, prefix, family] of NAMED[item] ?? []) list.addSubnet(net, prefix, family);
    if (NAMED[item]) continue;
    const [net, prefix] = item.split('/');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(plain(net), isIP(plain(net)) === 6 ? 'ipv6' : 'ipv4');
    else list.addSubnet(net, Number(prefix), family);
  }
  return (address) => {
    const a = plain(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client's address as Express computes `req.ip` for the same http.trustProxy: the peer, then X-Forwarded-For from
 * right to left, as long as each address so far is a believed proxy. For requests Express does not see (a WebSocket
 * upgrade), so per-address limits count the same client on both.
 */
export function clientAddress(req: IncomingMessage, trust: (address: string, hop: number) => boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse();
  const chain = [peer, ...forwarded];
  for (let hop = 0; hop < chain.length - 1; hop++) if (!trust(chain[hop], hop)) return chain[hop];
  return chain[chain.length - 1];
}
