/** Responses of the login routes: redirects and errors (HTML for browsers, JSON when asked). */
import { type CognitoAuthErrorCode, isCognitoAuthError } from '../../errors/errors.ts';
import { SERVER_ERROR_MESSAGE } from '../error-response.ts';

export function wantsJson(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return /\bapplication\/(?:[\w.+-]*\+)?json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);
}

function withCookies(headers: Headers, setCookies: readonly string[]): Headers {
  for (const c of setCookies) headers.append('set-cookie', c);
  return headers;
}

/** A redirect that is never cached. */
export function redirect(location: string, setCookies: readonly string[] = [], status = 302): Response {
  const headers = withCookies(new Headers({ location, 'cache-control': 'no-store' }), setCookies);
  return new Response(null, { status, headers });
}

export function json(body: unknown, status = 200, setCookies: readonly string[] = []): Response {
  const headers = withCookies(
    new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }),
    setCookies,
  );
  return new Response(JSON.stringify(body), { status, headers });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const TITLES: Partial<Record<CognitoAuthErrorCode, string>> = {
  LOGIN_STATE_MISSING: 'Your sign-in could not be completed',
  LOGIN_STATE_INVALID: 'Your sign-in could not be completed',
  CALLBACK_IDP_ERROR: 'The sign-in service reported an error',
  CALLBACK_INVALID: 'Your sign-in could not be completed',
  NONCE_MISMATCH: 'Your sign-in could not be completed',
  OPENID_SCOPE_MISSING: 'Your sign-in could not be completed',
  TOKEN_EXCHANGE_FAILED: 'The sign-in service could not be reached',
  CSRF_INVALID: 'This request was refused',
  SESSION_TOO_LARGE: 'Your account could not be signed in here',
};

/**
 * What the user is told for the server-side failures that have a specific, safe explanation
 * (other 5xx answers say only that something went wrong). The operator's report carries the fix.
 */
const USER_MESSAGES: Partial<Record<CognitoAuthErrorCode, string>> = {
  SESSION_TOO_LARGE:
    'Your account carries more information (such as group memberships) than this site can keep in a browser cookie. ' +
    'Nothing is wrong with your account: the site operator has been told how to fix it.',
};

/**
 * The error answer: status from the error code, `{ error, message }` JSON or a small HTML page
 * with a link back to the login. Unknown errors become a bare 500. Messages never carry tokens,
 * secrets or text received from the identity provider.
 */
export function errorAnswer(
  request: Request,
  error: unknown,
  setCookies: readonly string[] = [],
  loginPath?: string,
): Response {
  const known = isCognitoAuthError(error);
  const status = known ? error.status : 500;
  const code = known ? error.code : 'INTERNAL_ERROR';
  const message = known
    ? (USER_MESSAGES[error.code] ?? (status < 500 ? error.message : SERVER_ERROR_MESSAGE))
    : SERVER_ERROR_MESSAGE;
  if (wantsJson(request)) return json({ error: code, message }, status, setCookies);
  const title = (known && TITLES[error.code]) || 'Something went wrong';
  const link = loginPath ? `<p><a href="${escapeHtml(loginPath)}">Sign in again</a></p>` : '';
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>` +
    `<p>${escapeHtml(message)}</p><p><code>${escapeHtml(code)}</code></p>${link}</body></html>`;
  const headers = withCookies(
    new Headers({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'",
    }),
    setCookies,
  );
  return new Response(html, { status, headers });
}
