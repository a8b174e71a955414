/** GET /logout: `logout_uri` or `redirect_uri` + `response_type`, never an unregistered URL. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { clearCookie, parseCookies, redirect } from '../http.ts';
import { errorRedirect, redirectMismatch, SESSION_COOKIE, XSRF_COOKIE } from './authorize.ts';

// ---------------------------------------------------------------------------------------------
// GET /logout

export function handleLogout(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const q = url.searchParams;
  const clientId = q.get('client_id');
  const found = clientId ? ctx.state.client(clientId) : undefined;
  if (!found) return errorRedirect(ctx, res, clientId ? 'invalid_request' : 'Required parameters missing');
  const sid = parseCookies(req).get(SESSION_COOKIE);
  const clear = { 'set-cookie': [clearCookie(SESSION_COOKIE), clearCookie(XSRF_COOKIE)] };
  const logoutUri = q.get('logout_uri');
  if (logoutUri !== null) {
    if (!found.client.logoutUrls.includes(logoutUri))
      return redirectMismatch(ctx, res, found.client, 'logout_uri', logoutUri);
    if (sid) ctx.state.sessions.delete(digest(sid));
    return redirect(res, logoutUri, clear);
  }
  const redirectUri = q.get('redirect_uri');
  if (redirectUri === null)
    return errorRedirect(ctx, res, 'Required String parameter redirect_uri is not present');
  if (!found.client.callbackUrls.includes(redirectUri))
    return redirectMismatch(ctx, res, found.client, 'redirect_uri', redirectUri);
  if (!q.get('response_type'))
    return errorRedirect(ctx, res, 'Required String parameter response_type is not present');
  if (sid) ctx.state.sessions.delete(digest(sid));
  const next = new URLSearchParams();
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce']) {
    const value = q.get(name);
    if (value !== null) next.set(name, value);
  }
  redirect(res, `${ctx.baseUrl()}/login?${next}`, clear);
}
