/**
 * What an ended session puts on the origin deny-list: the `origin_jti` of its access token
 * (every ID and access token issued from the session's refresh token shares it), until the last
 * token of that origin can have expired. Tokens are issued no later than now (the refresh token
 * is revoked or refused when the session ends), so they expire by now plus the token lifetime;
 * a minute is added for the verifier's clock skew (at most 60 s).
 */
import type { SessionState } from './session-data.ts';

/** Where ended sessions' origins go (an `OriginDenylist`). */
export interface SessionOrigins {
  deny(originJti: string, expiresAt: number): Promise<void>;
}

const SKEW_MS = 60_000;
/** Cognito never issues an ID or access token that lives longer than a day. */
const MAX_LIFETIME_MS = 86_400_000;

/** The origin of an access token and how long to deny it; undefined without `origin_jti`. */
export function originOfToken(
  token: string,
  now: number,
): { originJti: string; expiresAt: number } | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const origin = claims?.['origin_jti'];
  if (typeof origin !== 'string' || origin.length === 0 || origin.length > 255) return undefined;
  const { exp, iat } = claims;
  const lifetime =
    typeof exp === 'number' && typeof iat === 'number' && exp > iat
      ? Math.min(MAX_LIFETIME_MS, (exp - iat) * 1000)
      : MAX_LIFETIME_MS;
  const until = Math.max(now + lifetime, typeof exp === 'number' ? exp * 1000 : 0);
  return { originJti: origin, expiresAt: until + SKEW_MS };
}

/** Denies the origin of `state`'s tokens (nothing when there is no list or no origin). */
export async function recordOrigin(
  origins: SessionOrigins | undefined,
  state: SessionState | undefined,
  now: number,
): Promise<void> {
  if (origins === undefined || state === undefined) return;
  const origin = originOfToken(state.accessToken, now);
  if (origin !== undefined) await origins.deny(origin.originJti, origin.expiresAt);
}
