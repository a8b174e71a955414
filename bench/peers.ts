/**
 * The peer verifiers the benches compare with, each set up as an app would use it for Cognito
 * access tokens, with the Cognito checks the library lacks added by hand, so that every
 * contender does the same work: RS256 only, the pool's issuer, `exp`, `token_use` = `access`,
 * `client_id` = the app client.
 * - aws-jwt-verify: `CognitoJwtVerifier` (all checks built in), JWKS hydrated with `cacheJwks`;
 * - jose: `jwtVerify` with a local JWKS (`createLocalJWKSet`) and `issuer` / `algorithms`, then
 *   `token_use` and `client_id` by hand (async only: WebCrypto);
 * - fast-jwt: `createVerifier` with the access-token key (PEM) and `allowedIss`, `algorithms`,
 *   `requiredClaims`, then `token_use` and `client_id` by hand; no cache (distinct tokens).
 */
import { createPublicKey } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { createVerifier as createFastJwtVerifier } from 'fast-jwt';
import { createLocalJWKSet, jwtVerify } from 'jose';

export interface PeerSetup {
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** The pool's JWKS document. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** `kid` of the key that signs access tokens (fast-jwt takes one key). */
  accessKid: string;
}

export interface Peer {
  readonly name: string;
  /** Returns `sub`, or throws when the token is refused. */
  readonly verify: (token: string) => Promise<string>;
  /** A synchronous variant when the library has one. */
  readonly verifySync?: (token: string) => string;
}

function cognitoChecks(payload: Record<string, unknown>, clientId: string): string {
  if (payload['token_use'] !== 'access') throw new Error('token_use');
  if (payload['client_id'] !== clientId) throw new Error('client_id');
  return payload['sub'] as string;
}

export function createPeers(setup: PeerSetup): Peer[] {
  const aws = CognitoJwtVerifier.create({
    userPoolId: setup.userPoolId,
    clientId: setup.clientId,
    tokenUse: 'access',
  });
  aws.cacheJwks(setup.jwks as never);

  const joseKeys = createLocalJWKSet(setup.jwks as never);
  const joseOptions = { issuer: setup.issuer, algorithms: ['RS256'] };

  const jwk = setup.jwks.keys.find((k) => k['kid'] === setup.accessKid);
  if (jwk === undefined) throw new Error('access key not in the JWKS');
  const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const fast = createFastJwtVerifier({
    key: pem.toString(),
    algorithms: ['RS256'],
    allowedIss: setup.issuer,
    requiredClaims: ['exp', 'iat', 'sub', 'token_use', 'client_id'],
  }) as (token: string) => Record<string, unknown>;

  return [
    {
      name: 'aws-jwt-verify',
      verify: async (token) => (await aws.verify(token)).sub,
      verifySync: (token) => aws.verifySync(token).sub,
    },
    {
      name: 'jose',
      verify: async (token) =>
        cognitoChecks((await jwtVerify(token, joseKeys, joseOptions)).payload, setup.clientId),
    },
    {
      name: 'fast-jwt',
      verify: async (token) => cognitoChecks(fast(token), setup.clientId),
      verifySync: (token) => cognitoChecks(fast(token), setup.clientId),
    },
  ];
}
