/**
 * GET|POST /login: the hosted sign-in form (double-submit CSRF), Cognito's messages, the
 * new-password step of FORCE_CHANGE_PASSWORD users, and the 1-hour hosted-login session.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.ts';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { cookie, readBody, sendHtml } from '../http.ts';
import { loginPage, newPasswordPage } from '../pages.ts';
import { checkPassword } from '../passwords.ts';
import type { User } from '../state.ts';
import {
  type AuthorizeRequest,
  authorizeParams,
  issueCode,
  SESSION_COOKIE,
  SESSION_SECONDS,
  validateAuthorize,
} from './authorize.ts';
import { csrfFor, csrfValid, EXPIRED_FORM } from './csrf.ts';

const CHALLENGE_MS = 3 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// GET|POST /login

/** The sign-in form (also shown after a password reset, with a notice). */
export function renderLogin(
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  r: AuthorizeRequest,
  opts: { status?: number; error?: string; notice?: string; username?: string } = {},
) {
  const { token, setCookie } = csrfFor(req);
  const params = authorizeParams(url);
  sendHtml(
    res,
    opts.status ?? 200,
    loginPage({
      action: `/login?${params}`,
      signUpHref: `/signup?${params}`,
      forgotHref: `/forgotPassword?${params}`,
      csrf: token,
      clientName: r.client.clientName,
      poolId: r.pool.userPoolId,
      username: opts.username ?? r.loginHint,
      error: opts.error,
      notice: opts.notice,
    }),
    { 'set-cookie': setCookie },
  );
}

export function handleLoginGet(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  renderLogin(url, req, res, v.req);
}

export async function handleLoginPost(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  const r = v.req;
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  const sent = form.get('_csrf') ?? '';
  if (!csrfValid(req, form)) return renderLogin(url, req, res, r, { status: 403, error: EXPIRED_FORM });
  const pool = r.pool;

  // New-password step of a FORCE_CHANGE_PASSWORD user.
  const challenge = form.get('challenge');
  if (challenge !== null) {
    const entry = ctx.challenges.get(digest(challenge));
    const user = entry && entry.expiresAt > ctx.now() ? pool.bySub.get(entry.sub) : undefined;
    if (!entry || !user || entry.poolId !== pool.userPoolId) {
      return renderLogin(url, req, res, r, { error: 'Your session has expired. Please sign in again.' });
    }
    const pw = form.get('new_password') ?? '';
    const again = form.get('confirm_password') ?? '';
    let error: string | undefined;
    if (pw !== again) error = 'Passwords do not match.';
    else {
      try {
        ctx.state.completeNewPassword(pool, user, pw, r.client.clientId);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        error = err.message;
      }
    }
    if (error) {
      return sendHtml(
        res,
        200,
        newPasswordPage({
          action: `/login?${url.searchParams}`,
          csrf: sent,
          challenge,
          username: user.username,
          error,
        }),
      );
    }
    ctx.challenges.delete(digest(challenge));
    return completeSignIn(ctx, res, r, user);
  }

  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const user = username ? ctx.state.findForSignIn(pool, username) : undefined;
  if (!user || !checkPassword(user.passwordHash, password)) {
    return renderLogin(url, req, res, r, { error: 'Incorrect username or password.', username });
  }
  if (!user.enabled) return renderLogin(url, req, res, r, { error: 'User is disabled.', username });
  if (user.status === 'UNCONFIRMED') {
    return renderLogin(url, req, res, r, { error: 'User is not confirmed.', username });
  }
  if (user.status === 'RESET_REQUIRED') {
    return renderLogin(url, req, res, r, { error: 'Password reset required for the user', username });
  }
  if (user.status === 'FORCE_CHANGE_PASSWORD') {
    const id = randomBytes(24).toString('base64url');
    ctx.challenges.set(digest(id), {
      poolId: pool.userPoolId,
      sub: user.sub,
      expiresAt: ctx.now() + CHALLENGE_MS,
    });
    return sendHtml(
      res,
      200,
      newPasswordPage({
        action: `/login?${url.searchParams}`,
        csrf: sent,
        challenge: id,
        username: user.username,
      }),
    );
  }
  completeSignIn(ctx, res, r, user);
}

/** A proven user: the hosted-login session cookie, post authentication, a code to the app. */
export function completeSignIn(ctx: Context, res: ServerResponse, r: AuthorizeRequest, user: User) {
  const authTime = Math.floor(ctx.now() / 1000);
  const sid = randomBytes(32).toString('base64url');
  ctx.state.sessions.set(digest(sid), {
    poolId: r.pool.userPoolId,
    sub: user.sub,
    authTime,
    expiresAt: ctx.now() + SESSION_SECONDS * 1000,
  });
  ctx.state.fire(
    'PostAuthentication_Authentication',
    r.pool,
    user,
    { newDeviceUsed: false },
    r.client.clientId,
  );
  ctx.log(`hosted login: ${user.username} (${r.client.clientName})`);
  issueCode(ctx, res, r, user, authTime, { 'set-cookie': cookie(SESSION_COOKIE, sid, SESSION_SECONDS) });
}
