import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { classifyAddress } from '../../../../shared/net/address-policy';
import { FetchedResource, WebFetcher } from '../../application/ports/web-fetcher.port';
import { DocumentTooLargeError, FetchFailedError, UrlRefusedError } from '../../domain/ingestion.errors';

/**
 * Why the fetcher will not connect to `address`, or undefined when it may: every IANA special-purpose range
 * and this host's own interface addresses are refused (see shared/net/address-policy).
 */
export function refusedAddress(address: string): string | undefined {
  const verdict = classifyAddress(address);
  if (!verdict.refused) return undefined;
  const what = verdict.refused === "this host's interface" ? "an address of this host's own interfaces" : `in a special-purpose range (${verdict.refused})`;
  return `address ${verdict.address} is ${what}: only public addresses are fetched, not private or loopback ones`;
}

/**
 * HTTP(S) fetcher hardened against SSRF: only http/https, the resolved address of every hop
 * (redirects included) is checked at connect time (no DNS-rebinding window) against every special-purpose
 * range and this host's own addresses (unless ingestion.url.allowPrivateNetworks), responses are
 * size-capped while streaming and the whole fetch has one deadline.
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
    const refused = isIP(host) && !this.config.ingestion.url.allowPrivateNetworks ? refusedAddress(host) : undefined;
    if (refused) throw new UrlRefusedError(url, `${refused} (set ingestion.url.allowPrivateNetworks to allow)`);
    return u;
  }

  private request(u: URL, signal: AbortSignal): Promise<{ redirect?: string; body?: Buffer; contentType?: string }> {
    const opts = this.config.ingestion.url;
    const allowPrivate = opts.allowPrivateNetworks;
    const url = u.toString();
    const lookup = (hostname: string, options: object, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) =>
      dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return cb(err, []);
        const refused = allowPrivate ? undefined : addresses.map((a) => refusedAddress(a.address)).find(Boolean);
        if (refused) {
          const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${refused}`);
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
