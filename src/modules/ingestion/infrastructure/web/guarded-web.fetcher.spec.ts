import { isPrivateAddress } from './guarded-web.fetcher';

describe('isPrivateAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '100.64.0.1'])(
    'refuses %s',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['8.8.8.8', '151.101.1.69', '2606:4700:4700::1111'])('allows public %s', (a) => expect(isPrivateAddress(a)).toBe(false));
});
