/** `cognito-code-grant/testing`: keys, JWKS and Cognito-shaped tokens for your own tests. */
export { generateTestKeyPair, jwksOf, type PublicJwk, type TestKeyPair } from './keys.ts';
export {
  base64url,
  createTestPool,
  signJwt,
  type TestPool,
  type TestPoolOptions,
  type TestUser,
  type TokenOverrides,
} from './tokens.ts';
