/**
 * The managed-login pages beside sign-in: /signup then /confirmUser (the code, then a signed-in
 * redirect to the app, as Cognito's hosted UI does), and /forgotPassword then
 * /confirmForgotPassword (code + new password, then the sign-in form). Same rules, codes and
 * events as the user API (user-api/sign-up.ts, user-api/password.ts); same authorize parameters
 * and CSRF as /login.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.ts';
import type { Context } from '../context.ts';
import { readBody, redirect, sendHtml } from '../http.ts';
import {
  confirmForgotPasswordPage,
  confirmSignUpPage,
  type FormPageInput,
  forgotPasswordPage,
  signUpPage,
} from '../pages-account.ts';
import { findUser } from '../user-api/common.ts';
import { finishPasswordReset, startPasswordReset } from '../user-api/password.ts';
import { confirmRegistration, register, resendRegistrationCode } from '../user-api/sign-up.ts';
import { type AuthorizeRequest, authorizeParams, validateAuthorize } from './authorize.ts';
import { csrfFor, csrfValid, EXPIRED_FORM } from './csrf.ts';
import { completeSignIn, renderLogin } from './login.ts';

type Page = 'signup' | 'confirmUser' | 'forgotPassword' | 'confirmForgotPassword';

interface PageRequest {
  ctx: Context;
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
  r: AuthorizeRequest;
}

/** `/page?{authorize params}[&username=...]`. */
function href(url: URL, page: Page | 'login', username?: string): string {
  const q = authorizeParams(url);
  if (username !== undefined) q.set('username', username);
  return `/${page}?${q}`;
}

function show(p: PageRequest, page: Page, status: number, render: (input: FormPageInput) => string) {
  const { token, setCookie } = csrfFor(p.req);
  const username = p.url.searchParams.get('username') ?? undefined;
  const html = render({ action: href(p.url, page, username), csrf: token, signInHref: href(p.url, 'login') });
  sendHtml(p.res, status, html, { 'set-cookie': setCookie });
}

function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  throw err;
}

/** GET or POST on one of the four pages. */
export async function handleAccountPage(
  ctx: Context,
  page: Page,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  const p: PageRequest = { ctx, url, req, res, r: v.req };
  if (req.method === 'GET') return get(p, page);
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  if (!csrfValid(req, form)) return get(p, page, { status: 403, error: EXPIRED_FORM });
  switch (page) {
    case 'signup':
      return postSignUp(p, form);
    case 'confirmUser':
      return postConfirm(p, form);
    case 'forgotPassword':
      return postForgot(p, form);
    case 'confirmForgotPassword':
      return postReset(p, form);
  }
}

interface Shown {
  status?: number;
  error?: string;
  notice?: string;
  username?: string;
  email?: string;
}

function get(p: PageRequest, page: Page, o: Shown = {}) {
  const username = p.url.searchParams.get('username') ?? '';
  const status = o.status ?? (o.error ? 400 : 200);
  const extra = { error: o.error, notice: o.notice };
  switch (page) {
    case 'signup':
      return show(p, page, status, (i) =>
        signUpPage({
          ...i,
          ...extra,
          clientName: p.r.client.clientName,
          username: o.username,
          email: o.email,
        }),
      );
    case 'confirmUser': {
      const user = findUser(p.ctx, p.r.pool, username);
      const destination = user && p.ctx.codes.list({ username: user.username, poolId: p.r.pool.userPoolId });
      const to = destination?.filter((c) => c.purpose === 'signup').at(-1)?.destination;
      return show(p, page, status, (i) => confirmSignUpPage({ ...i, ...extra, username, destination: to }));
    }
    case 'forgotPassword':
      return show(p, page, status, (i) => forgotPasswordPage({ ...i, ...extra, username: o.username }));
    case 'confirmForgotPassword':
      return show(p, page, status, (i) => confirmForgotPasswordPage({ ...i, ...extra, username }));
  }
}

function postSignUp(p: PageRequest, form: URLSearchParams) {
  const username = (form.get('username') ?? '').trim();
  const email = (form.get('email') ?? '').trim();
  const password = form.get('password') ?? '';
  const attributes: Record<string, string> = {};
  if (email) attributes['email'] = email;
  try {
    register(p.ctx, p.r.pool, p.r.client, { username, password, attributes });
  } catch (err) {
    return get(p, 'signup', { error: messageOf(err), username, email });
  }
  redirect(p.res, `${p.ctx.baseUrl()}${href(p.url, 'confirmUser', username)}`);
}

function postConfirm(p: PageRequest, form: URLSearchParams) {
  const username = p.url.searchParams.get('username') ?? '';
  const user = findUser(p.ctx, p.r.pool, username);
  if (!user) return get(p, 'confirmUser', { error: 'User does not exist.' });
  try {
    if (form.get('resend')) {
      const sent = resendRegistrationCode(p.ctx, p.r.pool, user);
      return get(p, 'confirmUser', { notice: `A new code was sent to ${sent.Destination}.` });
    }
    confirmRegistration(p.ctx, p.r.pool, p.r.client, user, (form.get('code') ?? '').trim(), {});
  } catch (err) {
    return get(p, 'confirmUser', { error: messageOf(err) });
  }
  // Cognito's hosted UI signs the new user in and returns to the app.
  completeSignIn(p.ctx, p.res, p.r, user);
}

function postForgot(p: PageRequest, form: URLSearchParams) {
  const username = (form.get('username') ?? '').trim();
  const user = findUser(p.ctx, p.r.pool, username);
  if (user) {
    try {
      startPasswordReset(p.ctx, p.r.pool, user);
    } catch (err) {
      return get(p, 'forgotPassword', { error: messageOf(err), username });
    }
  } else if (!p.r.client.preventUserExistenceErrors) {
    return get(p, 'forgotPassword', { error: 'Username/client id combination not found.', username });
  }
  // An unknown user (existence hidden) goes on to the same page; no code will ever match.
  redirect(p.res, `${p.ctx.baseUrl()}${href(p.url, 'confirmForgotPassword', username)}`);
}

function postReset(p: PageRequest, form: URLSearchParams) {
  const username = p.url.searchParams.get('username') ?? '';
  const password = form.get('password') ?? '';
  if (password !== (form.get('confirm_password') ?? '')) {
    return get(p, 'confirmForgotPassword', { error: 'Passwords do not match.' });
  }
  const user = findUser(p.ctx, p.r.pool, username);
  try {
    if (!user)
      throw new ApiError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    finishPasswordReset(p.ctx, p.r.pool, p.r.client, user, (form.get('code') ?? '').trim(), password, {});
  } catch (err) {
    return get(p, 'confirmForgotPassword', { error: messageOf(err) });
  }
  const login = new URL(href(p.url, 'login'), p.url);
  renderLogin(login, p.req, p.res, p.r, {
    notice: 'Your password has been reset. Sign in with your new password.',
    username: user.username,
  });
}
