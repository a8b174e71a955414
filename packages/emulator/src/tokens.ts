/**
 * Token minting with Cognito's claim names, types and order (cognito-facts.md §2): ID tokens with
 * `aud` and `cognito:username`, access tokens with `client_id` (no `aud`) and `username`,
 * client-credentials tokens with `sub` = client id, opaque refresh tokens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { atHash, base64url, type KeyUse, type SigningKey, signJwt } from './keys.ts';
import { PROFILE_ATTRIBUTES } from './attributes.ts';
import type { Client, EmulatorState, PoolState, User } from './state.ts';

const BOOLEAN_ATTRIBUTES = new Set(['email_verified', 'phone_number_verified']);

/** The newest key of a use signs; older ones stay published until retired. */
export function currentKey(pool: PoolState, use: KeyUse): SigningKey {
  let best: SigningKey | undefined;
  for (const k of pool.keys) if (k.use === use && (!best || k.createdAt >= best.createdAt)) best = k;
  if (!best) throw new Error(`no ${use} key for pool ${pool.userPoolId}`);
  return best;
}

/**
 * The user attributes a set of scopes releases (ID token and userInfo): `openid` alone releases
 * every attribute; otherwise `email`, `phone` and `profile` (which includes custom attributes)
 * each release their group. `sub` is always handled by the caller.
 */
export function releasedAttributes(user: User, scopes: readonly string[]): [string, string][] {
  const only = !scopes.includes('email') && !scopes.includes('phone') && !scopes.includes('profile');
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === 'sub' || name === 'identities') continue;
    let ok = only;
    if (!ok && scopes.includes('email') && (name === 'email' || name === 'email_verified')) ok = true;
    if (!ok && scopes.includes('phone') && (name === 'phone_number' || name === 'phone_number_verified'))
      ok = true;
    if (!ok && scopes.includes('profile') && (PROFILE_ATTRIBUTES.has(name) || name.startsWith('custom:')))
      ok = true;
    if (ok) out.push([name, value]);
  }
  return out;
}

export interface UserTokenInput {
  pool: PoolState;
  client: Client;
  user: User;
  scopes: string[];
  authTime: number;
  originJti: string;
  nonce: string | undefined;
  issuer: string;
  nowMs: number;
  /**
   * User-API (InitiateAuth) tokens: an ID token whatever the scopes, with every attribute and no
   * `at_hash` (only token-endpoint ID tokens carry it).
   */
  api?: boolean;
}

export interface IssuedTokens {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Access (+ ID when `openid` was granted) tokens for a user; `groups` after any override. */
/**
 * `cognito:roles` (the role ARNs of the user's groups that have one, absent when none) and
 * `cognito:preferred_role` (the role of the lowest-Precedence group with a role; absent when two
 * such groups tie with different roles, or when a role group has no precedence).
 */
export function roleClaims(pool: PoolState, groups: readonly string[]): Record<string, unknown> {
  const withRole = groups
    .map((name) => pool.groups.get(name))
    .filter((g): g is NonNullable<typeof g> => g?.roleArn !== undefined);
  if (withRole.length === 0) return {};
  const out: Record<string, unknown> = { 'cognito:roles': [...new Set(withRole.map((g) => g.roleArn!))] };
  const ranked = withRole.filter((g) => g.precedence !== undefined);
  if (ranked.length > 0) {
    const top = Math.min(...ranked.map((g) => g.precedence!));
    const roles = new Set(ranked.filter((g) => g.precedence === top).map((g) => g.roleArn!));
    if (roles.size === 1) out['cognito:preferred_role'] = [...roles][0];
  }
  return out;
}

export function mintUserTokens(
  state: EmulatorState,
  input: UserTokenInput,
): { accessToken: string; idToken: string | undefined; expiresIn: number } {
  const { pool, client, user, scopes, issuer } = input;
  const iat = Math.floor(input.nowMs / 1000);
  const groups = state.groupsOf(pool, user);
  const eventId = randomUUID();

  const access: Record<string, unknown> = { sub: user.sub };
  if (groups.length > 0) access['cognito:groups'] = groups;
  Object.assign(access, {
    iss: issuer,
    version: 2,
    client_id: client.clientId,
    origin_jti: input.originJti,
    event_id: eventId,
    token_use: 'access',
    scope: scopes.join(' '),
    auth_time: input.authTime,
    exp: iat + client.accessTokenValiditySeconds,
    iat,
    jti: randomUUID(),
    username: user.username,
  });
  const accessToken = signJwt(currentKey(pool, 'access'), access);

  let idToken: string | undefined;
  if (scopes.includes('openid') || input.api) {
    const id: Record<string, unknown> = input.api ? {} : { at_hash: atHash(accessToken) };
    id['sub'] = user.sub;
    if (groups.length > 0) id['cognito:groups'] = groups;
    Object.assign(id, roleClaims(pool, groups));
    const attrs = releasedAttributes(user, scopes);
    const verified = attrs.filter(([n]) => BOOLEAN_ATTRIBUTES.has(n));
    for (const [n, v] of verified) id[n] = v === 'true';
    id['iss'] = issuer;
    id['cognito:username'] = user.username;
    const identities = parseIdentities(user.attributes['identities']);
    if (identities) id['identities'] = identities;
    if (input.nonce !== undefined) id['nonce'] = input.nonce;
    Object.assign(id, {
      origin_jti: input.originJti,
      aud: client.clientId,
      event_id: eventId,
      token_use: 'id',
      auth_time: input.authTime,
    });
    for (const [n, v] of attrs) if (!BOOLEAN_ATTRIBUTES.has(n)) id[n] = idTokenValue(n, v);
    Object.assign(id, { exp: iat + client.idTokenValiditySeconds, iat, jti: randomUUID() });
    idToken = signJwt(currentKey(pool, 'id'), id);
  }
  return { accessToken, idToken, expiresIn: client.accessTokenValiditySeconds };
}

/**
 * The ID token's types for attributes stored as strings (OIDC standard claims, as Cognito issues
 * them): `address` is an object `{"formatted": ...}`, `updated_at` a number of epoch seconds.
 */
function idTokenValue(name: string, value: string): unknown {
  if (name === 'address') return { formatted: value };
  if (name === 'updated_at' && /^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Federated users carry an `identities` attribute (a JSON string); the ID token has it as an array
 * whose `primary` and `dateCreated` stay strings.
 */
function parseIdentities(raw: string | undefined): unknown[] | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Client-credentials access token: `sub` = client id, no username, groups or origin_jti. */
export function mintClientToken(
  pool: PoolState,
  client: Client,
  scopes: string[],
  issuer: string,
  nowMs: number,
): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt(currentKey(pool, 'access'), {
    sub: client.clientId,
    token_use: 'access',
    scope: scopes.join(' '),
    auth_time: iat,
    iss: issuer,
    exp: iat + client.accessTokenValiditySeconds,
    iat,
    version: 2,
    jti: randomUUID(),
    client_id: client.clientId,
  });
}

const REFRESH_HEADER = base64url(JSON.stringify({ cty: 'JWT', enc: 'A256GCM', alg: 'RSA-OAEP' }));

/**
 * An opaque refresh token. Cognito's look like a five-part JWE; these copy the shape (random
 * parts) so an app that wrongly tries to decode them fails here as it would in production.
 */
export function newRefreshToken(): string {
  const part = (n: number) => randomBytes(n).toString('base64url');
  return `${REFRESH_HEADER}.${part(256)}.${part(12)}.${part(400)}.${part(16)}`;
}
