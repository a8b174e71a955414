/**
 * The principal of a browser session: identity from the ID token, scopes and expiry from the
 * access token (the one the session presents to APIs).
 */
import type { VerifiedToken } from '../jwt/verified.ts';
import { principalFromToken, splitScopes } from './from-claims.ts';
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
