export {
  type CognitoLogin,
  type CognitoLoginOptions,
  type HeaderSource,
  type SessionOptions,
  createCognitoLogin,
} from './create-login.ts';
export type { ErrorPage, ErrorPageRenderer } from './responses.ts';
export { safeReturnTo } from './return-to.ts';
export type { RevocationPort, RevocationStore } from '../../session/revocation.ts';
