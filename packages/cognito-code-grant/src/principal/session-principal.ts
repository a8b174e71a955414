/**
 * The principal of a browser session: identity from the ID token, scopes and expiry from the
 * access token (the one the session presents to APIs).
 */
import type { CognitoClaims } from '../jwt/claims.ts';
import type { VerifiedToken } from '../jwt/verified.ts';
import { type PrincipalPool, principalFromClaims, principalFromToken, splitScopes } from './from-claims.ts';
import type { Principal } from './principal.ts';

/** Built at the callback and at a refresh that returned an ID token; keeps a replica id already set. */
export function sessionPrincipal(id: VerifiedToken, access: VerifiedToken, previous?: Principal): Principal {
  const base = principalFromToken(id, 'session');
  const principal: Principal = {
    ...base,
    scopes: splitScopes(access.claims['scope']),
    expiresAt: access.claims.exp,
  };
  if (previous?.replicaUserId !== undefined && principal.replicaUserId === undefined) {
    return Object.freeze({ ...principal, replicaUserId: previous.replicaUserId });
  }
  return Object.freeze(principal);
}

/** A refresh without a new ID token: the identity stays, scopes and expiry follow the access token. */
export function refreshedPrincipal(previous: Principal, access: VerifiedToken): Principal {
  return Object.freeze({
    ...previous,
    scopes: splitScopes(access.claims['scope']),
    expiresAt: access.claims.exp,
  });
}

/**
 * The session principal rebuilt from the claims a session keeps (ID-token claims, access-token
 * claims), exactly as `sessionPrincipal` built it from the verified tokens.
 */
export function sessionPrincipalFromClaims(
  idClaims: Readonly<CognitoClaims>,
  accessClaims: Readonly<CognitoClaims>,
  pool: PrincipalPool,
  replicaUserId: string | number | undefined,
): Principal {
  const principal: Principal = {
    ...principalFromClaims(idClaims, pool, 'session'),
    scopes: splitScopes(accessClaims['scope']),
    expiresAt: accessClaims.exp,
  };
  return Object.freeze(replicaUserId === undefined ? principal : { ...principal, replicaUserId });
}
