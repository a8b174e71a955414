/**
 * cognito-code-grant-emulator: a local Amazon Cognito user pool (hosted login, OAuth 2.0
 * endpoints, JWKS, admin and user APIs, triggers) for development and tests.
 */
export { ADMIN_OPERATIONS } from './admin.ts';
export type { CodeDeliveryDetails, CodePurpose, DeliveredCode } from './codes.ts';
export type { Faults } from './faults.ts';
export type { PublicJwk } from './keys.ts';
export { SESSION_COOKIE, XSRF_COOKIE } from './oauth.ts';
export {
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  DEMO_POOL_ID,
  demoSeed,
  loadSeed,
  type OAuthFlow,
  type SeedClient,
  type SeedFile,
  type SeedGroup,
  type SeedPool,
  type SeedResourceServer,
  type SeedUser,
} from './seed.ts';
export {
  type ClientInfo,
  type EmulatorOptions,
  type IssueTokensOptions,
  type PoolInfo,
  type RunningEmulator,
  start,
  type TokenSet,
} from './server.ts';
export { ApiError, EmulatorState, type Group, type PoolState, type User } from './state.ts';
export {
  CookieJar,
  type HostedSignInOptions,
  type HostedSignInResult,
  HostedSignInError,
  hostedSignIn,
} from './testing.ts';
export { USER_OPERATIONS } from './user-api/index.ts';
export { buildTriggerEvent, type TriggerEvent, type TriggerRecord, type WebhookOptions } from './triggers.ts';
