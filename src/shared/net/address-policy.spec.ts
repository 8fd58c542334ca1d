import { classifyAddress } from './address-policy';

const none = new Set<string>();

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['10.1.2.3', 'private'], ['100.64.0.1', 'carrierGradeNat'], ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'linkLocal'], ['172.16.0.1', 'private'], ['192.0.0.9', 'reserved'], ['192.0.2.2', 'reserved'], ['192.31.196.1', 'as112'],
    ['192.52.193.1', 'amt'], ['192.88.99.1', 'reserved'], ['192.168.1.1', 'private'], ['192.175.48.1', 'as112'], ['198.18.0.1', 'reserved'],
    ['198.51.100.7', 'reserved'], ['203.0.113.9', 'reserved'], ['224.0.0.1', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'broadcast'],
  ])('refuses IPv4 %s (%s)', (address, range) => expect(classifyAddress(address, none).refused).toBe(range));

  it.each([
    ['::', 'unspecified'], ['::1', 'loopback'], ['::7f00:1', 'ipv4Compatible'], ['64:ff9b::a00:1', 'rfc6052'], ['64:ff9b:1::1', 'rfc6052'],
    ['100::1', 'discard'], ['100:0:0:1::1', 'dummyPrefix'], ['2001::1', 'teredo'], ['2001:2::1', 'benchmarking'], ['2001:db8::1', 'reserved'],
    ['2002:c000:204::1', '6to4'], ['2620:4f:8000::1', 'as112v6'], ['3fff::1', 'reserved'], ['5f00::1', 'segmentRouting'], ['fc00::1', 'uniqueLocal'],
    ['fd00::2', 'uniqueLocal'], ['fe80::1%eth0', 'linkLocal'], ['fec0::1', 'deprecatedSiteLocal'], ['ff02::1', 'multicast'], ['::ffff:0:a00:1', 'rfc6145'],
  ])('refuses IPv6 %s (%s)', (address, range) => expect(classifyAddress(address, none).refused).toBe(range));

  it('judges an IPv4-mapped IPv6 address by its IPv4 address, in both spellings', () => {
    expect(classifyAddress('::ffff:127.0.0.1', none)).toEqual({ address: '127.0.0.1', refused: 'loopback' });
    expect(classifyAddress('[::ffff:c633:6407]', none)).toEqual({ address: '198.51.100.7', refused: 'reserved' });
    expect(classifyAddress('::ffff:8.8.8.8', none)).toEqual({ address: '8.8.8.8' });
  });

  it("refuses this host's own interface addresses even when they are public", () => {
    const own = new Set(['151.101.1.69', '2606:4700:4700:0:0:0:0:1111']);
    expect(classifyAddress('151.101.1.69', own).refused).toBe("this host's interface");
    expect(classifyAddress('2606:4700:4700::1111', own).refused).toBe("this host's interface");
    expect(classifyAddress('::ffff:151.101.1.69', own).refused).toBe("this host's interface");
    expect(classifyAddress('151.101.1.70', own).refused).toBeUndefined();
  });

  it('reads the real interfaces by default: the loopback is one of them', () => {
    expect(classifyAddress('127.0.0.1').refused).toBe('loopback');
  });

  it.each(['8.8.8.8', '151.101.1.69', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])('allows public %s', (a) =>
    expect(classifyAddress(a, none)).toEqual({ address: a }),
  );

  it.each(['example.com', '127.1', '0x7f.0.0.1', '', '1.2.3.4.5'])('refuses %j, which is not a canonical IP literal', (a) =>
    expect(classifyAddress(a, none).refused).toBe('not an IP address'),
  );
});
