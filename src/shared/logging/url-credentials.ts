/** `scheme://user:password@` in a text (an endpoint named in an SDK's error, an audited request): the userinfo replaced. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/** The text with the credentials of every URL in it (`http://user:pw@host`) replaced by [REDACTED]. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(USERINFO, '$1[REDACTED]@');
}
