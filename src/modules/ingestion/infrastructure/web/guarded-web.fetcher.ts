import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { FetchedResource, WebFetcher } from '../../application/ports/web-fetcher.port';
import { DocumentTooLargeError, FetchFailedError, UrlRefusedError } from '../../domain/ingestion.errors';

/** Loopback, private, link-local, CGNAT, multicast and reserved ranges (IPv4 and IPv6). */
export const PRIVATE_RANGES = (() => {
  const b = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
    ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ] as const) b.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
    b.addSubnet(net, bits, 'ipv6');
  }
  return b;
})();

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_RANGES.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped ? PRIVATE_RANGES.check(mapped, 'ipv4') : PRIVATE_RANGES.check(address, 'ipv6');
  }
  return true;
}

/**
 * HTTP(S) fetcher hardened against SSRF: only http/https, the resolved address of every hop
 * (redirects included) is checked at connect time (no DNS-rebinding window), responses are size-capped
 * while streaming and the whole fetch has one deadline.
 */
@Injectable()
export class GuardedWebFetcher implements WebFetcher {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async fetch(url: string): Promise<FetchedResource> {
    const opts = this.config.ingestion.url;
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    let current = this.parse(url);
    for (let hop = 0; hop <= opts.maxRedirects; hop++) {
      const res = await this.request(current, deadline);
      if (res.redirect) {
        current = this.parse(new URL(res.redirect, current).toString());
        continue;
      }
      return { buffer: res.body!, contentType: res.contentType ?? 'application/octet-stream', finalUrl: current.toString() };
    }
    throw new FetchFailedError(url, `more than ${opts.maxRedirects} redirects`);
  }

  private parse(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UrlRefusedError(url, 'not a valid absolute URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlRefusedError(url, `scheme ${u.protocol} is not allowed (http and https only)`);
    if (u.username || u.password) throw new UrlRefusedError(url, 'credentials in the URL are not allowed');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && isPrivateAddress(host) && !this.config.ingestion.url.allowPrivateNetworks) {
      throw new UrlRefusedError(url, `address ${host} is private or loopback (set ingestion.url.allowPrivateNetworks to allow)`);
    }
    return u;
  }

  private request(u: URL, signal: AbortSignal): Promise<{ redirect?: string; body?: Buffer; contentType?: string }> {
    const opts = this.config.ingestion.url;
    const allowPrivate = opts.allowPrivateNetworks;
    const url = u.toString();
    const lookup = (hostname: string, options: object, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) =>
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return cb(err, []);
        const bad = addresses.find((a) => isPrivateAddress(a.address));
        if (bad && !allowPrivate) {
          const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to private address ${bad.address}`);
          e.code = 'EPRIVATE';
          return cb(e, []);
        }
        const wantAll = (options as { all?: boolean }).all;
        return wantAll ? cb(null, addresses) : cb(null, addresses[0].address, addresses[0].family);
      });
    const client = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.get(
        url,
        { lookup, signal, headers: { 'user-agent': opts.userAgent, accept: 'text/html,application/xhtml+xml,text/plain,text/markdown,application/pdf;q=0.9,*/*;q=0.5' } },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && res.headers.location) {
            res.resume();
            return resolve({ redirect: res.headers.location });
          }
          if (status < 200 || status >= 300) {
            res.resume();
            return reject(new FetchFailedError(url, `the server answered HTTP ${status}`));
          }
          const declared = Number(res.headers['content-length'] ?? 0);
          if (declared > opts.maxBytes) {
            res.destroy();
            return reject(new DocumentTooLargeError(url, `${opts.maxBytes} bytes`));
          }
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > opts.maxBytes) {
              res.destroy();
              reject(new DocumentTooLargeError(url, `${opts.maxBytes} bytes`));
            } else parts.push(chunk);
          });
          res.on('end', () => resolve({ body: Buffer.concat(parts), contentType: res.headers['content-type'] }));
          res.on('error', (e) => reject(this.mapError(url, e, signal)));
        },
      );
      req.on('error', (e) => reject(this.mapError(url, e, signal)));
    });
  }

  private mapError(url: string, e: NodeJS.ErrnoException, signal: AbortSignal): Error {
    if (signal.aborted) return new FetchFailedError(url, `no complete answer within ${this.config.ingestion.url.timeoutMs} ms`, 'timeout');
    if (e.code === 'EPRIVATE') return new UrlRefusedError(url, `${e.message} (set ingestion.url.allowPrivateNetworks to allow)`);
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new FetchFailedError(url, `host not found (${new URL(url).hostname})`);
    return new FetchFailedError(url, e.message);
  }
}
