/**
 * GET `{prefix}/callback`: completes a sign-in. Checks the login state (cookie, single use),
 * exchanges the code, verifies both tokens and the nonce, replaces any previous session with a
 * new one, and sends the browser back where the login started.
 */
import { timingSafeEqual } from 'node:crypto';
import { CognitoAuthError, hasErrorCode, isCognitoAuthError } from '../../errors/errors.ts';
import type { VerifiedToken } from '../../jwt/verified.ts';
import { atHashMatches, grantsOpenId } from '../../oauth/token-binding.ts';
import { sessionPrincipal } from '../../principal/session-principal.ts';
import { parseCookies } from '../../session/cookies.ts';
import { type LoginState, clearLoginState, readLoginState } from '../../session/login-state.ts';
import { channels, codeOf } from '../../observability/channels.ts';
import { pathOf } from '../../errors/server-errors.ts';
import type { LoginContext } from './context.ts';
import { redirect } from './responses.ts';
import { endSession } from './session-end.ts';
import type { StateReplayGuard } from './state-replay.ts';

const CODE = /^[\x21-\x7e]{1,2048}$/;
const SUFFIX_CALLBACK = '/callback';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The tokens of the code exchange belong together and to an OpenID sign-in. */
function checkTokenResponse(scope: string | undefined, id: VerifiedToken, accessToken: string): void {
  // A response that names its scopes without openid is not an OpenID Connect sign-in, whatever
  // else it carries (an ID token from elsewhere would pass the other checks).
  if (scope !== undefined && !grantsOpenId(scope)) {
    throw new CognitoAuthError(
      'OPENID_SCOPE_MISSING',
      'The token response was not granted the openid scope',
      {
        details: { scope },
      },
    );
  }
  if (!atHashMatches(id.claims.at_hash, accessToken)) {
    throw new CognitoAuthError(
      'CALLBACK_INVALID',
      'The ID token does not belong to the access token (at_hash)',
      {
        details: { reason: 'at_hash' },
      },
    );
  }
}

/** Callback URLs carry the code and state: no page reached from a callback answer learns them. */
function noReferrer(response: Response): Response {
  response.headers.set('referrer-policy', 'no-referrer');
  return response;
}

/**
 * A token Cognito has just issued that our configuration refuses (wrong issuer or audience, an
 * unknown key) is a server-side problem although the browser gets a 400: the operator hears of
 * it, once per cause (token use and code; a bounded set), not once per sign-in.
 */
function refusedTokenReporter(
  listener: LoginContext['config']['onServerError'],
): (request: Request, tokenUse: 'id' | 'access', refused: CognitoAuthError) => void {
  const reportedCauses = new Set<string>();
  return (request, tokenUse, refused) => {
    const cause = `${tokenUse}:${refused.code}`;
    if (listener === undefined || reportedCauses.has(cause)) return;
    reportedCauses.add(cause);
    const problem = new CognitoAuthError(
      'CALLBACK_INVALID',
      `an ${tokenUse} token Cognito has just issued was refused (${refused.code}): the configuration does not match the user pool; run npx cognito-code-grant doctor (reported once per cause)`,
      { cause: refused, details: { reason: refused.code } },
    );
    try {
      listener(problem, { method: request.method, path: pathOf(request.url) });
    } catch {
      // A failing listener must not change the browser's answer.
    }
  };
}

export function createCallbackRoute(
  ctx: LoginContext,
  replay: StateReplayGuard,
): (request: Request) => Promise<Response> {
  const { config, backend, oauth, verifier } = ctx;
  const { now, prefix, pool, hook, lifetimes } = config;

  const reportRefusedToken = refusedTokenReporter(config.onServerError);

  /** ID/access token failures at the callback are a bad callback (400), not a bad bearer (401). */
  async function verifyAtCallback(
    request: Request,
    token: string,
    tokenUse: 'id' | 'access',
  ): Promise<VerifiedToken> {
    try {
      return await verifier.verify(token, { tokenUse, clientId: pool.clientId });
    } catch (error) {
      if (isCognitoAuthError(error) && /^(TOKEN|JWKS)_/.test(error.code)) {
        reportRefusedToken(request, tokenUse, error);
        throw new CognitoAuthError('CALLBACK_INVALID', `The ${tokenUse} token of the callback is invalid`, {
          cause: error,
          details: { reason: error.code },
        });
      }
      throw error;
    }
  }

  /** The login this callback completes; `clear` receives the login cookie's deletion. */
  function checkedLogin(q: URLSearchParams, cookies: Map<string, string>, clear: string[]): LoginState {
    // RFC 6749 section 3.1: a parameter may appear once. With two, which one a check reads and
    // which one the exchange uses could differ; nothing of this sign-in is touched.
    for (const name of ['code', 'state', 'error'])
      if (q.getAll(name).length > 1)
        throw new CognitoAuthError('CALLBACK_INVALID', `The callback repeats the ${name} parameter`);
    const stateParam = q.get('state');
    const found =
      stateParam !== null && stateParam.length <= 512
        ? readLoginState(ctx.loginCookies, stateParam, cookies, now())
        : undefined;
    if (found && found.kind !== 'missing' && found.cookieName)
      clear.push(clearLoginState(ctx.loginCookies, found.cookieName));
    const idpError = q.get('error');
    if (idpError !== null) {
      const code = /^[a-z_]{1,64}$/.test(idpError) ? idpError : 'invalid_error';
      throw new CognitoAuthError('CALLBACK_IDP_ERROR', `Sign-in was not completed (${code})`, {
        details: { error: code },
      });
    }
    if (stateParam === null || stateParam === '') {
      throw new CognitoAuthError('LOGIN_STATE_MISSING', 'The callback carries no state');
    }
    if (!found || found.kind === 'missing') {
      throw new CognitoAuthError('LOGIN_STATE_MISSING', 'No sign-in is in progress in this browser');
    }
    if (found.kind === 'invalid') {
      throw new CognitoAuthError('LOGIN_STATE_INVALID', 'The sign-in state does not match or has expired');
    }
    if (!replay.consume(found.value.state, found.value.expiresAt)) {
      throw new CognitoAuthError('LOGIN_STATE_INVALID', 'This sign-in was already completed');
    }
    return found.value;
  }

  return async function callback(request: Request): Promise<Response> {
    const clear: string[] = [];
    try {
      const cookies = parseCookies(ctx.cookieHeader(request.headers.get('cookie')));
      const q = new URL(request.url).searchParams;
      const login = checkedLogin(q, cookies, clear);
      const code = q.get('code');
      if (code === null || !CODE.test(code))
        throw new CognitoAuthError('CALLBACK_INVALID', 'The callback carries no valid code');

      const tokens = await oauth.exchangeCode(code, login.codeVerifier, login.redirectUri);
      const id = await verifyAtCallback(request, tokens.idToken!, 'id');
      const nonce = id.claims['nonce'];
      if (typeof nonce !== 'string' || !sameText(nonce, login.nonce)) {
        throw new CognitoAuthError('NONCE_MISMATCH', 'The ID token nonce does not match this sign-in');
      }
      checkTokenResponse(tokens.scope, id, tokens.accessToken);
      const access = await verifyAtCallback(request, tokens.accessToken, 'access');
      if (access.claims.sub !== id.claims.sub) {
        throw new CognitoAuthError('CALLBACK_INVALID', 'The ID and access tokens belong to different users');
      }
      let principal = sessionPrincipal(id, access);
      if (hook) principal = await hook(principal, { trigger: 'login' });

      // Fixation: whatever session the browser had ends here; the new one gets a fresh id.
      if (backend.present(cookies)) {
        const old = await backend.read(cookies).catch(() => undefined);
        if (old) await endSession(ctx, old.state, cookies, 'replaced');
      }
      const t = now();
      const created = await backend
        .create(
          {
            principal,
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            accessExpiresAt: access.claims.exp,
            createdAt: t,
            absoluteExpiresAt: t + lifetimes.absoluteMs,
            seenAt: t,
          },
          cookies,
          t,
        )
        .catch(async (error: unknown) => {
          // No session holds the new refresh token: it is revoked, not left valid for 30 days.
          if (hasErrorCode(error, 'SESSION_TOO_LARGE') && tokens.refreshToken !== undefined)
            await oauth.revoke(tokens.refreshToken).catch(() => undefined);
          throw error;
        });
      // Back to the base this login started from (sealed in the login state), not to whatever
      // the callback request's headers say.
      const suffix = prefix + SUFFIX_CALLBACK;
      const base = login.redirectUri.endsWith(suffix)
        ? login.redirectUri.slice(0, -suffix.length)
        : config.appUrl;
      if (channels.signIn.hasSubscribers)
        channels.signIn.publish({
          outcome: 'success',
          userPoolId: pool.userPoolId,
          clientId: pool.clientId,
          sub: principal.sub,
        });
      return noReferrer(redirect(base + login.returnTo, [...clear, ...created.setCookies]));
    } catch (error) {
      if (channels.signIn.hasSubscribers)
        channels.signIn.publish({
          outcome: 'failure',
          userPoolId: pool.userPoolId,
          clientId: pool.clientId,
          code: codeOf(error),
        });
      return noReferrer(ctx.answerError(request, error, clear, `${prefix}/login`));
    }
  };
}
