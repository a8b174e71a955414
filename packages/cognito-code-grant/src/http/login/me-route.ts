/** GET `{prefix}/me`: the session's principal and CSRF token as JSON (401 without a session). */
import { isCognitoAuthError } from '../../errors/errors.ts';
import { csrfTokenFor } from '../../session/csrf.ts';
import { webRequestLike } from '../request-like.ts';
import type { SessionAuthenticator } from './authenticator.ts';
import type { LoginContext } from './context.ts';
import { json } from './responses.ts';

export function createMeRoute(
  ctx: LoginContext,
  sessions: SessionAuthenticator,
): (request: Request) => Promise<Response> {
  return async function me(request: Request): Promise<Response> {
    try {
      const { state, principal, setCookies } = await sessions.resolve(webRequestLike(request));
      if (!principal || !state) {
        return json({ error: 'AUTH_REQUIRED', message: 'Not signed in' }, 401, setCookies);
      }
      return json({ principal, csrfToken: csrfTokenFor(ctx.keys.csrf, state.sid) }, 200, setCookies);
    } catch (error) {
      const setCookies =
        isCognitoAuthError(error) && (error.code === 'SESSION_EXPIRED' || error.code === 'REFRESH_FAILED')
          ? error.details?.setCookies
          : undefined;
      // Always JSON here (an XHR from the page), whatever the Accept header says.
      return ctx.answerError(
        new Request(request.url, { method: request.method, headers: { accept: 'application/json' } }),
        error,
        setCookies ?? [],
      );
    }
  };
}
