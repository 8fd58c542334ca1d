import { withoutUrlCredentials } from './url-credentials';

describe('withoutUrlCredentials', () => {
  it('replaces the userinfo of every URL, and leaves other text and addresses alone', () => {
    expect(withoutUrlCredentials('Request cannot be constructed from a URL that includes credentials: http://ana:s3cr3t@gw.example:8080/v1/chat')).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://[REDACTED]@gw.example:8080/v1/chat',
    );
    expect(withoutUrlCredentials('https://token@h/x and HTTP://u:p@h2')).toBe('https://[REDACTED]@h/x and HTTP://[REDACTED]@h2');
    expect(withoutUrlCredentials('connect ECONNREFUSED http://127.0.0.1:11434 (ana@example.com)')).toBe('connect ECONNREFUSED http://127.0.0.1:11434 (ana@example.com)');
  });
});
