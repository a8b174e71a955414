/**
 * JWK checks and key preparation. Each accepted key becomes a `KeyObject` once, so the hot path
 * never parses key material again.
 */
import { type KeyObject, createPublicKey } from 'node:crypto';

/** The public RSA JWK fields we keep and export. */
export interface RsaJwk {
  readonly kid: string;
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly alg?: 'RS256';
  readonly use?: 'sig';
}

/** A key ready for the RS256 check (src/jwt/rs256.ts). */
export interface PreparedKey {
  readonly kid: string;
  readonly keyObject: KeyObject;
  /** RSA modulus length in bytes: an RS256 signature must be exactly this long. */
  readonly modulusBytes: number;
  readonly jwk: RsaJwk;
}

/** Smallest RSA modulus we accept (RFC 7518 section 3.3). */
export const MIN_RSA_BITS = 2048;

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Validates one JWK and prepares it. Returns a reason string instead of throwing so that one
 * bad key in a JWKS does not make the good ones unusable.
 */
export function prepareJwk(raw: unknown): PreparedKey | { kid: string | undefined; reason: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { kid: undefined, reason: 'not an object' };
  const jwk = raw as Record<string, unknown>;
  const kid = typeof jwk['kid'] === 'string' && jwk['kid'] !== '' ? jwk['kid'] : undefined;
  if (kid === undefined) return { kid, reason: 'kid missing' };
  if (jwk['kty'] !== 'RSA') return { kid, reason: 'kty is not RSA' };
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return { kid, reason: 'use is not sig' };
  if (jwk['alg'] !== undefined && jwk['alg'] !== 'RS256') return { kid, reason: 'alg is not RS256' };
  const n = jwk['n'];
  const e = jwk['e'];
  if (typeof n !== 'string' || !B64URL.test(n) || typeof e !== 'string' || !B64URL.test(e)) {
    return { kid, reason: 'n or e missing or not base64url' };
  }
  // Private-key members must never be published; a JWKS carrying them is broken.
  if (jwk['d'] !== undefined) return { kid, reason: 'private key material published' };
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' });
  } catch {
    return { kid, reason: 'not a valid RSA public key' };
  }
  const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return { kid, reason: `modulus is ${bits} bits, below ${MIN_RSA_BITS}` };
  const clean: RsaJwk = Object.freeze({
    kid,
    kty: 'RSA',
    n,
    e,
    ...(jwk['alg'] === undefined ? {} : { alg: 'RS256' as const }),
    ...(jwk['use'] === undefined ? {} : { use: 'sig' as const }),
  });
  return Object.freeze({ kid, keyObject, modulusBytes: Math.ceil(bits / 8), jwk: clean });
}

export function isPreparedKey(value: PreparedKey | { reason: string }): value is PreparedKey {
  return 'keyObject' in value;
}
