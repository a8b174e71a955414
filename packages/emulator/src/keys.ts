/**
 * Signing keys: two RSA-2048 pairs per pool (ID tokens and access tokens use different keys, as
 * Cognito does), kids of 44 base64 characters, JWTs with a header of exactly `{kid, alg}`.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  sign,
} from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export type KeyUse = 'id' | 'access';

export interface SigningKey {
  readonly kid: string;
  readonly use: KeyUse;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** Epoch ms the key was created (newest signs). */
  readonly createdAt: number;
}

export interface PublicJwk {
  alg: 'RS256';
  e: string;
  kid: string;
  kty: 'RSA';
  n: string;
  use: 'sig';
}

/** The form a key file stores: private JWK plus its kid and use. */
export interface StoredKey {
  kid: string;
  use: KeyUse;
  createdAt: number;
  jwk: Record<string, unknown>;
}

/** kid = standard base64 of SHA-256 over the modulus: 44 chars with `+`, `/`, `=` like Cognito's. */
function kidFor(n: string): string {
  return createHash('sha256').update(n).digest('base64');
}

export function keyFromPrivate(
  privateKey: KeyObject,
  use: KeyUse,
  createdAt: number,
  kid?: string,
): SigningKey {
  const pub = createPublicKey(privateKey).export({ format: 'jwk' }) as { n: string; e: string };
  const id = kid ?? kidFor(pub.n);
  return {
    kid: id,
    use,
    privateKey,
    createdAt,
    publicJwk: { alg: 'RS256', e: pub.e, kid: id, kty: 'RSA', n: pub.n, use: 'sig' },
  };
}

export async function generateSigningKey(use: KeyUse, createdAt: number): Promise<SigningKey> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return keyFromPrivate(privateKey, use, createdAt);
}

export function storeKey(key: SigningKey): StoredKey {
  return {
    kid: key.kid,
    use: key.use,
    createdAt: key.createdAt,
    jwk: key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}

export function loadKey(stored: StoredKey): SigningKey {
  const privateKey = createPrivateKey({ key: stored.jwk as never, format: 'jwk' });
  return keyFromPrivate(privateKey, stored.use, stored.createdAt, stored.kid);
}

/** JSON with `/` written as `\/`, the way Cognito serialises headers and payloads. */
function cognitoJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs a JWT with RS256; header is exactly `{"kid":...,"alg":"RS256"}`. */
export function signJwt(key: SigningKey, payload: Record<string, unknown>): string {
  const header = base64url(cognitoJson({ kid: key.kid, alg: 'RS256' }));
  const body = base64url(cognitoJson(payload));
  const input = `${header}.${body}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${base64url(signature)}`;
}

/** OIDC `at_hash`: base64url of the left half of SHA-256 over the access token. */
export function atHash(accessToken: string): string {
  return base64url(createHash('sha256').update(accessToken).digest().subarray(0, 16));
}
