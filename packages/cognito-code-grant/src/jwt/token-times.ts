/** The time rules of a verified token's claims: lifetime, `exp`, `nbf`, `iat` (with skew). */
import { CognitoAuthError } from '../errors/errors.ts';
import type { CognitoClaims } from './claims.ts';

/** Throws the first broken time rule; returns the deadline (epoch ms) the token is valid until. */
export function checkTokenTimes(
  claims: Readonly<CognitoClaims>,
  t: number,
  skewMs: number,
  maxLifetime: number,
): number {
  if (claims.exp - claims.iat > maxLifetime) {
    throw new CognitoAuthError(
      'TOKEN_LIFETIME_TOO_LONG',
      `token lifetime (exp - iat) is longer than ${maxLifetime} seconds`,
    );
  }
  const deadline = claims.exp * 1000 + skewMs;
  if (t >= deadline) throw new CognitoAuthError('TOKEN_EXPIRED', 'token has expired');
  if (claims.nbf !== undefined && claims.nbf * 1000 - skewMs > t) {
    throw new CognitoAuthError('TOKEN_NOT_YET_VALID', 'token nbf is in the future');
  }
  if (claims.iat * 1000 - skewMs > t)
    throw new CognitoAuthError('TOKEN_NOT_YET_VALID', 'token iat is in the future');
  return deadline;
}
