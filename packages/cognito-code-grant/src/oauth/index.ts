/** OAuth 2.0 authorization-code grant against a Cognito user pool domain. */
export { buildAuthorizeUrl, type AuthorizeUrlInput } from './authorize-url.ts';
export { createOAuthClient, type FetchLike, type OAuthClient, type OAuthClientOptions } from './client.ts';
export { buildLogoutUrl, type LogoutUrlInput } from './logout-url.ts';
export { pkceChallenge } from './pkce.ts';
export { randomToken, type RandomBytes } from '../util/random.ts';
export { buildRevokeRequest, processRevokeResponse, type RevokeInput } from './revoke.ts';
export {
  basicAuthorization,
  buildCodeGrantRequest,
  buildRefreshGrantRequest,
  processTokenResponse,
  type ClientAuth,
  type CodeGrantInput,
  type OAuthHttpRequest,
  type RefreshGrantInput,
  type TokenSet,
} from './token.ts';
