import { refusedAddress } from './guarded-web.fetcher';

describe('refusedAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '100.64.0.1',
    '198.51.100.7', '203.0.113.9', '192.88.99.1', '192.0.2.1', '2001:db8::1', '64:ff9b::7f00:1'])(
    'refuses %s, naming why',
    (a) => expect(refusedAddress(a)).toMatch(/^address .+ is in a special-purpose range \(\w+\): only public addresses are fetched/),
  );
  it.each(['8.8.8.8', '151.101.1.69', '2606:4700:4700::1111'])('allows public %s', (a) => expect(refusedAddress(a)).toBeUndefined());
});
