/**
 * Cognito-shaped tokens for tests: ID, access and client-credentials tokens signed RS256 with
 * separate keys for ID and access tokens, as Cognito does (cognito-facts.md sections 1-2).
 */
import { randomUUID, sign } from 'node:crypto';
import { type PublicJwk, type TestKeyPair, generateTestKeyPair, jwksOf } from './keys.ts';

export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/**
 * Signs a JWT with RS256. `header` entries replace the default `{ kid, alg }`; a header value
 * of `undefined` removes that field. Use it to build malformed tokens in tests too.
 */
export function signJwt(
  payload: Record<string, unknown>,
  key: TestKeyPair,
  header: Record<string, unknown> = {},
): string {
  const h: Record<string, unknown> = { kid: key.kid, alg: 'RS256', ...header };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  const signingInput = `${base64url(JSON.stringify(h))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), key.privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

export interface TestUser {
  sub?: string;
  username?: string;
  email?: string;
  emailVerified?: boolean;
  groups?: readonly string[];
  /** Extra attributes, e.g. `{ 'custom:tenant': '42', name: 'Jane' }` (ID token only). */
  attributes?: Record<string, string>;
}

export interface TestPoolOptions {
  region?: string;
  userPoolId?: string;
  clientId?: string;
  /** Defaults to the real Cognito issuer for the region and pool. */
  issuer?: string;
  /** Clock in epoch milliseconds; defaults to Date.now. */
  now?: () => number;
  /** Token lifetime in seconds (default 3600). */
  lifetimeSeconds?: number;
}

export interface TokenOverrides {
  /** Claims to add or replace; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Header fields to add or replace; `undefined` removes the field. */
  header?: Record<string, unknown>;
  /** Sign with this key instead of the pool's. */
  key?: TestKeyPair;
}

export interface TestPool {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly idKey: TestKeyPair;
  readonly accessKey: TestKeyPair;
  /** The JWKS document publishing both keys. */
  jwks(): { keys: PublicJwk[] };
  idToken(user?: TestUser, overrides?: TokenOverrides): string;
  accessToken(user?: TestUser, overrides?: TokenOverrides & { scope?: string }): string;
  /** A client-credentials (machine) access token: `sub` = client id, no username, custom scopes. */
  clientCredentialsToken(overrides?: TokenOverrides & { scope?: string; clientId?: string }): string;
  /** Replaces the signing keys (a rotation); the old keys stay exported until `retireOldKeys`. */
  rotateKeys(): void;
  retireOldKeys(): void;
}

function applyOverrides(claims: Record<string, unknown>, overrides: Record<string, unknown> | undefined) {
  if (!overrides) return claims;
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete claims[k];
    else claims[k] = v;
  }
  return claims;
}

const DEFAULT_SUB = '3f6c1b2e-8d4a-4c1f-9e7b-0a1b2c3d4e5f';

/** A fake user pool that mints Cognito-shaped tokens. Serve `jwks()` from a local server in tests. */
export function createTestPool(options: TestPoolOptions = {}): TestPool {
  const region = options.region ?? 'eu-west-1';
  const userPoolId = options.userPoolId ?? `${region}_TestPool1`;
  const clientId = options.clientId ?? 'testclient1234567890abcdef';
  const issuer = options.issuer ?? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 3600;
  let idKey = generateTestKeyPair();
  let accessKey = generateTestKeyPair();
  let retired: TestKeyPair[] = [];

  const times = () => {
    const iat = Math.floor(now() / 1000);
    return { auth_time: iat, iat, exp: iat + lifetime };
  };
  const groupsClaim = (user: TestUser) =>
    user.groups && user.groups.length > 0 ? { 'cognito:groups': [...user.groups] } : {};

  const pool: TestPool = {
    region,
    userPoolId,
    clientId,
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    get idKey() {
      return idKey;
    },
    get accessKey() {
      return accessKey;
    },
    jwks: () => jwksOf(idKey, accessKey, ...retired),
    idToken(user = {}, overrides = {}) {
      const claims = applyOverrides(
        {
          sub: user.sub ?? DEFAULT_SUB,
          ...groupsClaim(user),
          email_verified: user.emailVerified ?? true,
          iss: issuer,
          'cognito:username': user.username ?? 'jdoe',
          origin_jti: randomUUID(),
          aud: clientId,
          event_id: randomUUID(),
          token_use: 'id',
          ...times(),
          jti: randomUUID(),
          email: user.email ?? 'jane.doe@example.com',
          ...user.attributes,
        },
        overrides.claims,
      );
      return signJwt(claims, overrides.key ?? idKey, overrides.header);
    },
    accessToken(user = {}, overrides = {}) {
      const claims = applyOverrides(
        {
          sub: user.sub ?? DEFAULT_SUB,
          ...groupsClaim(user),
          iss: issuer,
          client_id: clientId,
          origin_jti: randomUUID(),
          event_id: randomUUID(),
          token_use: 'access',
          scope: overrides.scope ?? 'openid email profile aws.cognito.signin.user.admin',
          ...times(),
          jti: randomUUID(),
          username: user.username ?? 'jdoe',
          version: 2,
        },
        overrides.claims,
      );
      return signJwt(claims, overrides.key ?? accessKey, overrides.header);
    },
    clientCredentialsToken(overrides = {}) {
      const cid = overrides.clientId ?? clientId;
      const claims = applyOverrides(
        {
          sub: cid,
          token_use: 'access',
          scope: overrides.scope ?? 'articles/read',
          ...times(),
          iss: issuer,
          version: 2,
          jti: randomUUID(),
          client_id: cid,
        },
        overrides.claims,
      );
      return signJwt(claims, overrides.key ?? accessKey, overrides.header);
    },
    rotateKeys() {
      retired.push(idKey, accessKey);
      idKey = generateTestKeyPair();
      accessKey = generateTestKeyPair();
    },
    retireOldKeys() {
      retired = [];
    },
  };
  return pool;
}
