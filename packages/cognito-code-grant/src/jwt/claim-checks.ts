/**
 * The claim rules of a Cognito token (SECURITY.md "Tokens"): types of the claims a verified
 * token must carry, and the per-call checks (`token_use`, app client) that every verification
 * and every cache hit runs.
 */
import type { PoolConfig } from '../config/pool.ts';
import { CognitoAuthError } from '../errors/errors.ts';
import type { CognitoClaims } from './claims.ts';

/** What a call expects of the token (the verifier's `VerifyOptions`). */
export interface UseAndClient {
  tokenUse?: 'access' | 'id' | 'any';
  clientId?: string | readonly string[];
}

function claimInvalid(claim: string, expected: string): never {
  throw new CognitoAuthError('TOKEN_CLAIM_INVALID', `token claim "${claim}" must be ${expected}`);
}

/** Freezes a freshly parsed JSON value and everything inside it. */
export function deepFreeze<T extends object>(value: T): T {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) deepFreeze(item);
    }
  } else {
    for (const key in value) {
      const item: unknown = value[key];
      if (typeof item === 'object' && item !== null) deepFreeze(item);
    }
  }
  return value;
}

/** Claim type checks (TOKEN_CLAIM_INVALID); returns the claims typed. */
export function checkClaimTypes(payload: Record<string, unknown>): CognitoClaims {
  const { exp, iat, nbf, auth_time: authTime, sub, token_use: use, scope } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) claimInvalid('exp', 'a number');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) claimInvalid('iat', 'a number');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf)))
    claimInvalid('nbf', 'a number');
  if (authTime !== undefined && (typeof authTime !== 'number' || !Number.isFinite(authTime))) {
    claimInvalid('auth_time', 'a number');
  }
  if (typeof sub !== 'string' || sub.length === 0) claimInvalid('sub', 'a non-empty string');
  if (use === 'id') {
    if (typeof payload['aud'] !== 'string') claimInvalid('aud', 'a string in an ID token');
  } else if (use === 'access') {
    if (typeof payload['client_id'] !== 'string') claimInvalid('client_id', 'a string in an access token');
  } else {
    claimInvalid('token_use', '"id" or "access"');
  }
  const groups = payload['cognito:groups'];
  if (groups !== undefined) {
    if (!Array.isArray(groups)) claimInvalid('cognito:groups', 'an array of strings');
    for (let i = 0; i < groups.length; i++) {
      if (typeof groups[i] !== 'string') claimInvalid('cognito:groups', 'an array of strings');
    }
  }
  if (scope !== undefined && typeof scope !== 'string') claimInvalid('scope', 'a string');
  return payload as CognitoClaims;
}

/** Per-call checks, run on every verification and on every cache hit. */
export function checkUseAndClient(
  claims: Readonly<CognitoClaims>,
  pool: PoolConfig,
  options: UseAndClient | undefined,
): void {
  const expected = options?.tokenUse ?? 'access';
  if (expected !== claims.token_use && expected !== 'any') {
    if (expected !== 'id' && expected !== 'access')
      throw new CognitoAuthError('CONFIG_INVALID', 'tokenUse must be "access", "id" or "any"');
    if (expected === 'access' && claims.token_use === 'id') {
      throw new CognitoAuthError(
        'TOKEN_USE_INVALID',
        "An ID token was sent where an access token is expected: send the access token, or accept ID tokens on this route (tokenUse: 'id' or 'any')",
      );
    }
    throw new CognitoAuthError('TOKEN_USE_INVALID', `expected an ${expected} token`);
  }
  // Access tokens carry the client in client_id; their aud (when present) is a resource URL.
  const client = claims.token_use === 'id' ? claims.aud : claims.client_id;
  const clientIds = pool.clientIds;
  let ok = false;
  for (let i = 0; i < clientIds.length; i++) {
    if (clientIds[i] === client) {
      ok = true;
      break;
    }
  }
  const narrow = options?.clientId;
  if (ok && narrow !== undefined)
    ok = typeof narrow === 'string' ? narrow === client : narrow.includes(client);
  if (!ok)
    throw new CognitoAuthError('TOKEN_CLIENT_INVALID', 'token was not issued to an allowed app client');
}
