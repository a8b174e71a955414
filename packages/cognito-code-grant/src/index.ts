/** Curated re-exports only; no logic lives here. */
export {
  type AnyCognitoAuthError,
  CognitoAuthError,
  type CognitoAuthErrorCode,
  type CognitoAuthErrorDetails,
  type CognitoAuthErrorDetailsMap,
  type CognitoAuthErrorOptions,
  type OAuthFailureDetails,
  type SessionEndedDetails,
  ERROR_CODES,
  ERROR_STATUS,
  hasErrorCode,
  isCognitoAuthError,
} from './errors/errors.ts';
export {
  type DomainEndpoints,
  defaultIssuer,
  domainEndpoints,
  isLoopbackHost,
  jwksUriFor,
  updatedIssuer,
} from './config/endpoints.ts';
export { definePool, type PoolConfig, type PoolOptions, poolFromEnv } from './config/pool.ts';
export { type EnvConfig, fromEnv } from './config/from-env.ts';
export * from './observability/index.ts';
export {
  type CognitoApiClient,
  checkConfiguration,
  type DoctorFinding,
  type DoctorOptions,
  type DoctorReport,
  type FindingStatus,
  formatDoctorReport,
} from './doctor/index.ts';
export type {
  CognitoAccessTokenClaims,
  CognitoClaims,
  CognitoIdentity,
  CognitoIdTokenClaims,
  TokenUse,
} from './jwt/claims.ts';
export type { Principal, PrincipalHook, PrincipalHookContext } from './principal/principal.ts';
export {
  type CognitoVerifier,
  createCognitoVerifier,
  type VerifiedToken,
  type VerifierOptions,
  type VerifyOptions,
} from './jwt/verifier.ts';
export { type DecodedJwt, decodeJwt, type JwtHeader } from './jwt/decode.ts';
export {
  JwksCache,
  type JwksCacheOptions,
  type JwksDocument,
  type KeysRemovedListener,
} from './jwks/cache.ts';
export { principalFromToken } from './principal/from-claims.ts';
export { checkGroups, checkScopes } from './principal/require.ts';
export {
  computeWebhookSignature,
  signWebhook,
  type VerifiedWebhook,
  verifyWebhook,
  WEBHOOK_HEADERS,
  WEBHOOK_TOLERANCE_SECONDS,
} from './trigger/signature.ts';
export type { Authenticator, AuthOutcome, RequestLike, RouteHandler } from './http/types.ts';
export {
  type BearerAuthenticateContext,
  type BearerAuthenticator,
  type BearerAuthenticatorOptions,
  type BearerTokenUse,
  type BearerTokenVerifier,
  createBearerAuthenticator,
  parseBearerHeader,
} from './http/bearer.ts';
export {
  type AuthMode,
  type AuthResult,
  authorize,
  type ResolvedRequirements,
  type RouteRequirements,
  resolveAuth,
  resolveRequirements,
} from './http/guards.ts';
export { type ErrorResponse, type ErrorResponseOptions, errorResponse } from './http/error-response.ts';
export {
  type ServerErrorListener,
  type ServerErrorRequest,
  describeServerError,
  logServerError,
} from './errors/server-errors.ts';
export { type BearerChallenge, bearerChallenge } from './http/www-authenticate.ts';
export { type AuthenticationOptions, authenticatorsFrom } from './http/auth-options.ts';
export {
  type CognitoLogin,
  type CognitoLoginOptions,
  createCognitoLogin,
  type ErrorPage,
  type ErrorPageRenderer,
  type HeaderSource,
  type RevocationPort,
  type RevocationStore,
  type SessionOptions,
  safeReturnTo,
} from './http/login/index.ts';
export {
  createMemorySessionStore,
  createMemoryUserStore,
  type MemorySessionStoreOptions,
  type MemoryUserStore,
} from './store/memory/index.ts';
export type { DeniedOrigin, SessionRecord, SessionStore, UnchangedRecord } from './session/store.ts';
export {
  createOriginDenylist,
  type DenylistEvent,
  type OriginDenylist,
  type OriginDenylistOptions,
  type OriginDenyStore,
} from './session/origin-denylist.ts';
export type { PushChannel, PushListener, PushSubscription } from './session/push.ts';
export * from './oauth/index.ts';
export {
  type CognitoEventsRouteOptions,
  createCognitoEventsRoute,
  webhookSecretsFromEnv,
} from './trigger/events-route.ts';
export type {
  ApplyResult,
  GroupsChangedEvent,
  Replica,
  ReplicaGroup,
  ReplicaHooks,
  ReplicaSource,
  ReplicaUser,
  UserEvent,
  UserState,
  UserStatus,
  UserUpdatedEvent,
} from './replica/types.ts';
export { createUserReplica, type UserReplicaOptions } from './replica/replica.ts';
export type { StoredUser, UpdateOutcome, UserFields, UserStore, UserUpdate } from './replica/user-store.ts';
