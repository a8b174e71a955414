/**
 * Double-submit CSRF for the hosted pages, as Cognito's hosted UI does with its XSRF-TOKEN cookie
 * and `_csrf` field: the page gets the cookie's value (a new one when absent), a POST must send it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookie, parseCookies, safeEqual } from '../http.ts';
import { SESSION_SECONDS, XSRF_COOKIE } from './authorize.ts';

/** The token to put in the form, and the Set-Cookie that goes with it. */
export function csrfFor(req: IncomingMessage): { token: string; setCookie: string } {
  const existing = parseCookies(req).get(XSRF_COOKIE);
  const token = existing && /^[\w-]{20,}$/.test(existing) ? existing : randomBytes(24).toString('base64url');
  return { token, setCookie: cookie(XSRF_COOKIE, token, SESSION_SECONDS) };
}

export function csrfValid(req: IncomingMessage, form: URLSearchParams): boolean {
  const xsrf = parseCookies(req).get(XSRF_COOKIE);
  return xsrf !== undefined && safeEqual(xsrf, form.get('_csrf') ?? '');
}

export const EXPIRED_FORM = 'Your session has expired. Please sign in again.';
