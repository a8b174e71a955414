/** RSA key pairs and JWKS documents for tests. Keys are generated in memory, never read from the repo. */
import { type KeyObject, generateKeyPairSync, randomBytes } from 'node:crypto';

export interface PublicJwk {
  kid: string;
  alg: 'RS256';
  kty: 'RSA';
  use: 'sig';
  n: string;
  e: string;
}

export interface TestKeyPair {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: PublicJwk;
}

/** A fresh RSA key pair. The default `kid` looks like Cognito's: 44 characters of standard base64. */
export function generateTestKeyPair(options: { kid?: string; modulusLength?: number } = {}): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: options.modulusLength ?? 2048,
  });
  const kid = options.kid ?? randomBytes(32).toString('base64');
  const exported = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return Object.freeze({
    kid,
    privateKey,
    publicKey,
    jwk: Object.freeze({
      kid,
      alg: 'RS256',
      kty: 'RSA',
      use: 'sig',
      n: exported.n,
      e: exported.e,
    }) as PublicJwk,
  });
}

/** The JWKS document (`{ keys: [...] }`) publishing the public halves of the given pairs. */
export function jwksOf(...pairs: readonly TestKeyPair[]): { keys: PublicJwk[] } {
  return { keys: pairs.map((p) => ({ ...p.jwk })) };
}
