/** Builds the `/oauth2/authorize` URL of the code grant with state, nonce and PKCE S256. */
import { CognitoAuthError } from '../errors/errors.ts';

export interface AuthorizeUrlInput {
  /** `{domain}/oauth2/authorize` from the pool config. */
  readonly authorizeEndpoint: string;
  readonly clientId: string;
  /** Must equal a registered callback URL exactly; comes from configuration, never from the request. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  /** `pkceChallenge(verifier)`; the method is always S256. */
  readonly codeChallenge: string;
  /** Skip the hosted UI and go straight to an IdP (`Google`, a SAML provider name, `COGNITO`). */
  readonly identityProvider?: string | undefined;
  /** Prefills the username field; forwarded to OIDC IdPs. */
  readonly loginHint?: string | undefined;
  /** Managed-login UI language, e.g. `fr`. */
  readonly lang?: string | undefined;
}

// Pass-through values are short printable strings; anything else is refused rather than forwarded.
const PASS_THROUGH = /^[\x21-\x7e]{1,256}$/;
const LANG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;

/** True when `value` may be forwarded as `identity_provider` or `login_hint`. */
export function isPassThroughValue(value: string): boolean {
  return PASS_THROUGH.test(value);
}

/** True when `value` looks like a language tag (`fr`, `pt-BR`). */
export function isLangTag(value: string): boolean {
  return value.length <= 35 && LANG.test(value);
}

/** Returns the authorize URL. Throws `BAD_REQUEST` for a malformed pass-through value. */
export function buildAuthorizeUrl(input: AuthorizeUrlInput): string {
  const url = new URL(input.authorizeEndpoint);
  const p = url.searchParams;
  p.set('response_type', 'code');
  p.set('client_id', input.clientId);
  p.set('redirect_uri', input.redirectUri);
  if (input.scopes.length > 0) p.set('scope', input.scopes.join(' '));
  p.set('state', input.state);
  p.set('nonce', input.nonce);
  p.set('code_challenge', input.codeChallenge);
  p.set('code_challenge_method', 'S256');
  if (input.identityProvider !== undefined) {
    if (!isPassThroughValue(input.identityProvider)) {
      throw new CognitoAuthError('BAD_REQUEST', 'identity_provider is malformed');
    }
    p.set('identity_provider', input.identityProvider);
  }
  if (input.loginHint !== undefined) {
    if (!isPassThroughValue(input.loginHint))
      throw new CognitoAuthError('BAD_REQUEST', 'login_hint is malformed');
    p.set('login_hint', input.loginHint);
  }
  if (input.lang !== undefined) {
    if (!isLangTag(input.lang)) throw new CognitoAuthError('BAD_REQUEST', 'lang is malformed');
    p.set('lang', input.lang);
  }
  return url.href;
}
