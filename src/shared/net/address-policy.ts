import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses an outbound fetch on a user's behalf (URL ingestion) may connect to: public unicast
 * only. Refused: every IANA special-purpose range (IPv4 and IPv6 registries: loopback, private, CGNAT,
 * link-local, documentation, benchmarking, 6to4/Teredo/NAT64 translation, AS112, AMT, ORCHID, multicast,
 * reserved ...), IPv4-mapped and IPv4-compatible IPv6 judged by the IPv4 inside, and every address of this
 * host's own interfaces (a public address on eth0 reaches this very server).
 *
 * ipaddr.js's `range()` names the registries' ranges (anything else is `unicast`); the few it does not
 * know are listed in EXTRA_RANGES.
 */
const EXTRA_RANGES: Array<[string, string]> = [
  ['::/96', 'ipv4Compatible'], // RFC 4291 (deprecated IPv4-compatible addresses, ::a.b.c.d)
  ['100:0:0:1::/64', 'dummyPrefix'], // RFC 9780
];
const EXTRA = EXTRA_RANGES.map(([cidr, name]) => ({ cidr: ipaddr.parseCIDR(cidr), name }));

export interface AddressVerdict {
  /** The address as classified (an IPv4-mapped IPv6 address as its IPv4). */
  address: string;
  /** Why it is refused: a range name (`loopback`, `private`, `reserved` ...) or `this host's interface`. */
  refused?: string;
}

/** The addresses of this host's network interfaces, as strings normalized by ipaddr.js (read at each call: DHCP changes them). */
export function ownInterfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      const parsed = parse(nic.address);
      if (parsed) out.add(parsed.toNormalizedString());
    }
  }
  return out;
}

/** Classifies `address` (an IP literal); anything that does not parse as one is refused. */
export function classifyAddress(address: string, own: Set<string> = ownInterfaceAddresses()): AddressVerdict {
  const parsed = parse(address);
  if (!parsed) return { address, refused: 'not an IP address' };
  const shown = parsed.toString();
  let range: string = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6') {
    range = EXTRA.find((r) => (parsed as ipaddr.IPv6).match(r.cidr as [ipaddr.IPv6, number]))?.name ?? range;
  }
  if (range !== 'unicast') return { address: shown, refused: range };
  if (own.has(parsed.toNormalizedString())) return { address: shown, refused: "this host's interface" };
  return { address: shown };
}

/** Parses an IP literal (IPv6 zone ids dropped); IPv4-mapped IPv6 becomes its IPv4 address. */
function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return undefined;
  // process(): an IPv4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address it maps
  const parsed = ipaddr.process(bare);
  // Only the canonical IPv4 forms: ipaddr.js also accepts "127.1" or "0x7f.1" that a URL parser would
  // normalize first; an unnormalized one here is not what the connection would use, so refuse it.
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(bare) && !/^::ffff:/i.test(bare)) return undefined;
  return parsed;
}
