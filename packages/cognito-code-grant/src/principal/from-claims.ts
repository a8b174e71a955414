/**
 * Builds the `Principal` from a verified token. Principals are memoised on the `VerifiedToken`
 * itself (its hidden memo slot, see jwt/verified.ts): the verifier's token cache returns the same
 * `VerifiedToken` for a reused token, so the same frozen principal comes back with no rebuild.
 */
import type { CognitoClaims } from '../jwt/claims.ts';
import type { VerifiedToken } from '../jwt/verified.ts';
import { derivedMemoOf } from '../jwt/verified.ts';
import type { Principal } from './principal.ts';

/** An OAuth `scope` claim split on spaces, frozen; empty for anything but a non-empty string. */
export function splitScopes(scope: unknown): readonly string[] {
  if (typeof scope !== 'string' || scope === '') return Object.freeze([]);
  return Object.freeze(scope.split(' ').filter((s) => s !== ''));
}

/** The pool a principal names: its issuer and user pool id. */
export interface PrincipalPool {
  readonly issuer: string;
  readonly userPoolId: string;
}

/**
 * The principal for claims that were verified (now, or when they were sealed into a session).
 * Not memoised: `principalFromToken` is the cached path for verified tokens.
 */
export function principalFromClaims(
  claims: Readonly<CognitoClaims>,
  pool: PrincipalPool,
  source: 'bearer' | 'session',
): Principal {
  const isId = claims.token_use === 'id';
  const rawUsername = isId ? claims['cognito:username'] : claims['username'];
  const username = typeof rawUsername === 'string' ? rawUsername : null;
  const clientId = isId ? claims.aud : claims.client_id;
  const groups = claims['cognito:groups'];
  const email = claims['email'];
  const emailVerified = claims['email_verified'];
  return Object.freeze({
    sub: claims.sub,
    username,
    email: typeof email === 'string' ? email : undefined,
    emailVerified: typeof emailVerified === 'boolean' ? emailVerified : undefined,
    groups: Array.isArray(groups) ? Object.freeze([...groups]) : Object.freeze([]),
    // Only access tokens carry scopes; an ID token's principal has none.
    scopes: isId ? Object.freeze([]) : splitScopes(claims['scope']),
    tokenUse: claims.token_use,
    clientId,
    // Client credentials: no user, and Cognito sets sub to the app client id.
    isMachine: !isId && username === null && claims.sub === claims.client_id,
    issuer: pool.issuer,
    userPoolId: pool.userPoolId,
    expiresAt: claims.exp,
    source,
    claims,
  });
}

/**
 * The principal for a verified token. Frozen; built once per verified token and source.
 * `custom:*` claims are carried in `claims` only and never become groups or scopes.
 */
export function principalFromToken(verified: VerifiedToken, source: 'bearer' | 'session'): Principal {
  const memo = derivedMemoOf(verified);
  const slot = source === 'bearer' ? 'principal:bearer' : 'principal:session';
  if (memo !== undefined) {
    const cached = memo[slot] as Principal | undefined;
    if (cached !== undefined) return cached;
  }
  const principal = principalFromClaims(verified.claims, verified.pool, source);
  if (memo !== undefined) memo[slot] = principal;
  return principal;
}
