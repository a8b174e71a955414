/**
 * Proxy trust: the public base URL of a request. Without `trustProxy` it is always appUrl; with
 * it, the right-most `X-Forwarded-Proto` / `X-Forwarded-Host` (or `Host`) values, checked.
 */
import { CognitoAuthError } from '../../errors/errors.ts';
import type { LoginConfig } from './config.ts';

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-fA-F:.]+\](?::\d{1,5})?$/;

/** The base URL (scheme, host, app path) this request's URLs are built from. Throws `HOST_UNTRUSTED`. */
export function requestBaseUrl(
  config: LoginConfig,
  header: (name: string) => string | null | undefined,
): string {
  if (!config.trustProxy) return config.appUrl;
  // Right-most: appending proxies add their value last; the left-most may come from the client.
  const last = (v: string | null | undefined) => v?.split(',').at(-1)?.trim() || undefined;
  const proto = last(header('x-forwarded-proto')) ?? config.appProtocol;
  const host = last(header('x-forwarded-host')) ?? last(header('host'));
  if ((proto !== 'https' && proto !== 'http') || !host || !HOST.test(host)) {
    throw new CognitoAuthError('HOST_UNTRUSTED', 'The forwarded host or protocol is malformed');
  }
  return `${proto}://${host}${config.appPath}`;
}
