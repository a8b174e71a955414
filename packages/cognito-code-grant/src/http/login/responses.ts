/** Responses of the login routes: redirects and errors (HTML for browsers, JSON when asked). */
import { type CognitoAuthErrorCode, isCognitoAuthError } from '../../errors/errors.ts';
import { SERVER_ERROR_MESSAGE } from '../error-response.ts';
import { jsonResponse } from '../../util/json-response.ts';

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
  return jsonResponse(status, body, withCookies(new Headers(), setCookies));
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

/** What an app's error page is given: plain text (escape it when writing HTML). */
export interface ErrorPage {
  readonly status: number;
  /** The error code, e.g. `LOGIN_STATE_INVALID`. */
  readonly code: string;
  /** A short title for the page, e.g. "Your sign-in could not be completed". */
  readonly title: string;
  /** What happened, safe to show (never a token, a secret or text from the identity provider). */
  readonly message: string;
  /** Where to send the user to sign in again, when that helps. */
  readonly loginPath: string | undefined;
}

/**
 * Renders the login routes' HTML error pages in the app's look: the page's HTML, or the HTML
 * and headers (a `content-security-policy` of your own, say). The status, `Set-Cookie`,
 * `content-type` and `cache-control: no-store` are the library's. A renderer that throws gets
 * the library's page instead.
 */
export type ErrorPageRenderer = (
  page: ErrorPage,
) => string | { readonly html: string; readonly headers?: Readonly<Record<string, string>> };

/** The CSP of an app-rendered page unless it sets one: its own stylesheets, images and fonts only. */
const APP_PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'";

function escapedPage(page: ErrorPage): string {
  const link = page.loginPath ? `<p><a href="${escapeHtml(page.loginPath)}">Sign in again</a></p>` : '';
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(page.title)}</title></head><body><h1>${escapeHtml(page.title)}</h1>` +
    `<p>${escapeHtml(page.message)}</p><p><code>${escapeHtml(page.code)}</code></p>${link}</body></html>`
  );
}

/** The app's page, or undefined when the renderer fails (the library's page is used). */
function appPage(
  render: ErrorPageRenderer,
  page: ErrorPage,
): { html: string; headers: Readonly<Record<string, string>> } | undefined {
  try {
    const out = render(page);
    if (typeof out === 'string') return { html: out, headers: {} };
    if (out && typeof out.html === 'string') return { html: out.html, headers: out.headers ?? {} };
  } catch {
    // Fall through: a broken template must not hide the sign-in error behind a 500.
  }
  return undefined;
}

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
  render?: ErrorPageRenderer,
): Response {
  const known = isCognitoAuthError(error);
  const status = known ? error.status : 500;
  const code = known ? error.code : 'INTERNAL_ERROR';
  const message = known
    ? (USER_MESSAGES[error.code] ?? (status < 500 ? error.message : SERVER_ERROR_MESSAGE))
    : SERVER_ERROR_MESSAGE;
  if (wantsJson(request)) return json({ error: code, message }, status, setCookies);
  const title = (known && TITLES[error.code]) || 'Something went wrong';
  const page: ErrorPage = Object.freeze({ status, code, title, message, loginPath });
  const custom = render === undefined ? undefined : appPage(render, page);
  const headers = new Headers({ 'content-security-policy': custom ? APP_PAGE_CSP : "default-src 'none'" });
  for (const [name, value] of Object.entries(custom?.headers ?? {})) headers.set(name, value);
  headers.set('content-type', 'text/html; charset=utf-8');
  headers.set('cache-control', 'no-store');
  headers.delete('set-cookie');
  return new Response(custom?.html ?? escapedPage(page), {
    status,
    headers: withCookies(headers, setCookies),
  });
}
