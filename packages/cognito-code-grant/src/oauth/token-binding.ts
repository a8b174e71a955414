/**
 * Checks that the tokens of one token-endpoint answer belong together and to an OpenID Connect
 * sign-in: the granted `scope` names `openid`, and the ID token's `at_hash` (when present) is
 * the access token's (OIDC Core 3.1.3.8). Used at the callback and at every refresh.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Base64url of the left half of SHA-256 (the ID token is RS256) of the access token. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

/** True when `atHash` is absent or matches `accessToken`. */
export function atHashMatches(atHash: unknown, accessToken: string): boolean {
  if (atHash === undefined) return true;
  if (typeof atHash !== 'string') return false;
  const a = Buffer.from(atHash);
  const b = Buffer.from(accessTokenHash(accessToken));
  return a.length === b.length && timingSafeEqual(a, b);
}

/** True when the answer carries no `scope`, or one that includes `openid`. */
export function grantsOpenId(scope: string | undefined): boolean {
  return scope === undefined || scope.split(' ').includes('openid');
}
