/**
 * POST `{prefix}/logout`: same-origin and CSRF checked; ends the session, revokes its refresh
 * token, then sends the browser to Cognito's /logout (or, in local mode, to `returnTo`).
 */
import { CognitoAuthError } from '../../errors/errors.ts';
import { buildLogoutUrl } from '../../oauth/logout-url.ts';
import { parseCookies } from '../../session/cookies.ts';
import { csrfTokenMatches, isSameOriginRequest } from '../../session/csrf.ts';
import { declaredLength, readStreamCapped } from '../../util/read-capped.ts';
import { reportServerError } from '../../errors/server-errors.ts';
import type { LoginContext } from './context.ts';
import { requestBaseUrl } from './proxy-trust.ts';
import { json, redirect, wantsJson } from './responses.ts';
import { safeReturnTo } from './return-to.ts';
import { endSession } from './session-end.ts';

const MAX_FORM = 8 * 1024;

async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type) || request.body === null)
    return new URLSearchParams();
  const declared = declaredLength(request.headers.get('content-length'));
  if (declared !== undefined && Number.isNaN(declared))
    throw new CognitoAuthError('BAD_REQUEST', 'The Content-Length header is malformed');
  if (declared !== undefined && declared > MAX_FORM)
    throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The form is too large');
  // Streamed with a cap: a chunked or lying body is cut off as soon as it passes MAX_FORM.
  const text = await readStreamCapped(request.body, MAX_FORM);
  if (text === undefined) throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The form is too large');
  return new URLSearchParams(text);
}

export function createLogoutRoute(ctx: LoginContext): (request: Request) => Promise<Response> {
  const { config, backend, oauth } = ctx;
  return async function logout(request: Request): Promise<Response> {
    try {
      const header = (n: string) => request.headers.get(n);
      const base = requestBaseUrl(config, header);
      const origins = [...new Set([config.appOrigin, new URL(base).origin])];
      if (!isSameOriginRequest(header, origins)) {
        throw new CognitoAuthError('CSRF_INVALID', 'Cross-site sign-out requests are refused');
      }
      const form = await readForm(request);
      const cookies = parseCookies(ctx.cookieHeader(request.headers.get('cookie')));
      const current = backend.present(cookies) ? await backend.read(cookies) : undefined;
      if (current) {
        const presented =
          request.headers.get('x-csrf-token') ?? form.get('csrf') ?? form.get('_csrf') ?? undefined;
        if (!csrfTokenMatches(ctx.keys.csrf, current.state.sid, presented)) {
          throw new CognitoAuthError('CSRF_INVALID', 'The sign-out form is missing its CSRF token');
        }
      }
      // When the store failed to record the end, the cookie is still cleared and the token
      // revoked; the failure is answered (and reported) after that.
      const { setCookies, failure } = await endSession(ctx, current?.state, cookies, 'logout');
      const refreshToken = current?.state.refreshToken;
      if (refreshToken !== undefined) {
        // The local session is gone either way (Cognito answers 200 for dead tokens), so the
        // browser's logout succeeds; a failed revoke is reported, since on cookie mode without
        // a shared revocationStore a captured cookie then keeps refreshing on other processes.
        await oauth.revoke(refreshToken).catch((error: unknown) => {
          reportServerError(config.onServerError, 502, error, request.method, request.url);
        });
      }
      if (failure !== undefined) return ctx.answerError(request, failure, setCookies);
      // Cognito sends the browser only to the exact registered logout_uri: returnTo is for
      // local logout (a path appended there would end on a Cognito error page, session kept).
      const target =
        config.logoutMode === 'cognito'
          ? buildLogoutUrl({
              logoutEndpoint: config.endpoints.logout,
              clientId: config.pool.clientId,
              logoutUri: config.logoutUri,
            })
          : base + safeReturnTo(form.get('returnTo') ?? new URL(request.url).searchParams.get('returnTo'));
      if (wantsJson(request)) return json({ redirect: target }, 200, setCookies);
      return redirect(target, setCookies, 303);
    } catch (error) {
      return ctx.answerError(request, error);
    }
  };
}
