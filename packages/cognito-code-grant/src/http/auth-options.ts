/** The options every adapter accepts to know how to authenticate, validated once. */
import { CognitoAuthError } from '../errors/errors.ts';
import {
  type BearerAuthenticatorOptions,
  type BearerTokenVerifier,
  createBearerAuthenticator,
} from './bearer.ts';
import type { Authenticator } from './types.ts';

export interface AuthenticationOptions extends Omit<BearerAuthenticatorOptions, 'verifier'> {
  /** Shorthand for `authenticators: [createBearerAuthenticator({ verifier, tokenUse, clientId, hook, maxHeaderBytes })]`. */
  verifier?: BearerTokenVerifier;
  /** Tried in order until one finds a principal (e.g. `[session, bearer]`). Excludes `verifier`. */
  authenticators?: readonly Authenticator[];
  /** `realm` of the `WWW-Authenticate` challenges. Default `api`. */
  realm?: string;
}

/** Returns the frozen authenticator list described by `options`. Throws `CONFIG_INVALID`. */
export function authenticatorsFrom(options: AuthenticationOptions): readonly Authenticator[] {
  if (typeof options !== 'object' || options === null) {
    throw new CognitoAuthError('CONFIG_INVALID', 'auth options must be an object');
  }
  const { verifier, authenticators } = options;
  if (verifier !== undefined && authenticators !== undefined) {
    throw new CognitoAuthError('CONFIG_INVALID', 'give either verifier or authenticators, not both');
  }
  if (verifier !== undefined) {
    const { tokenUse, clientId, hook, maxHeaderBytes } = options;
    const bearerOptions: BearerAuthenticatorOptions = { verifier };
    if (tokenUse !== undefined) bearerOptions.tokenUse = tokenUse;
    if (clientId !== undefined) bearerOptions.clientId = clientId;
    if (hook !== undefined) bearerOptions.hook = hook;
    if (maxHeaderBytes !== undefined) bearerOptions.maxHeaderBytes = maxHeaderBytes;
    return Object.freeze([createBearerAuthenticator(bearerOptions)]);
  }
  if (!Array.isArray(authenticators) || authenticators.length === 0) {
    throw new CognitoAuthError('CONFIG_INVALID', 'verifier or a non-empty authenticators array is required');
  }
  for (const a of authenticators) {
    if (typeof a?.authenticate !== 'function' || (a.kind !== 'bearer' && a.kind !== 'session')) {
      throw new CognitoAuthError('CONFIG_INVALID', 'authenticators must be Authenticator objects');
    }
  }
  return Object.freeze([...authenticators]);
}
