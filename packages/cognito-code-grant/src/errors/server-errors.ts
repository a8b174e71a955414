/**
 * Server-side failures (status 500 and up: a store down, Cognito unreachable, a bug) are answered
 * to the client with a code only; this is where the operator gets to see them. Every adapter and
 * the login routes call an `onServerError` listener for each such answer.
 */
import { CognitoAuthError, isCognitoAuthError } from './errors.ts';

/** What a listener learns of the request: its method and path (never the query, which may hold an authorization code). */
export interface ServerErrorRequest {
  readonly method: string;
  readonly path: string;
}

export type ServerErrorListener = (error: unknown, request: ServerErrorRequest) => void;

/**
 * One log line: the code and message of a library error (ours never carry a token, cookie or
 * secret), and of its causes (up to three levels) their codes plus the first cause's message.
 * Of an error that is not the library's only its name and code: its message could quote
 * anything, a URL with an authorization code in its query included.
 */
export function describeServerError(error: unknown): string {
  if (!isCognitoAuthError(error)) {
    const e = error as { name?: unknown; code?: unknown } | null;
    const name = error instanceof Error ? error.name : typeof error;
    const code = typeof e?.code === 'string' ? ` ${e.code}` : '';
    return `INTERNAL_ERROR: ${String(name)}${code}`;
  }
  const parts: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 3 && cause !== undefined && cause !== null; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === 'string' && c.code !== '') parts.push(c.code);
    if (depth === 0 && typeof c.message === 'string' && c.message !== '') parts.push(c.message);
    cause = c.cause;
  }
  return `${error.code}: ${error.message}${parts.length > 0 ? ` (cause: ${parts.join(' ')})` : ''}`;
}

/** The default outside Fastify (which uses `request.log`): one `console.error` line. */
export const logServerError: ServerErrorListener = (error, request) => {
  console.error(`cognito-code-grant: ${request.method} ${request.path}: ${describeServerError(error)}`);
};

/** The path of a request URL (absolute or path-and-query), without its query or fragment. */
export function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/** Calls `listener` when `status` is a server error; a throwing listener never breaks the answer. */
export function reportServerError(
  listener: ServerErrorListener | undefined,
  status: number,
  error: unknown,
  method: string,
  url: string,
): void {
  if (status < 500 || listener === undefined) return;
  const request = { method, path: pathOf(url) };
  try {
    listener(error, request);
  } catch {
    // A failing listener must not turn into a second error for the client, nor hide the first.
    if (listener !== logServerError) logServerError(error, request);
  }
}

/** `onServerError` as given, checked once at creation. Throws `CONFIG_INVALID`. */
export function serverErrorListener(
  value: unknown,
  fallback: ServerErrorListener | undefined,
): ServerErrorListener | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'function')
    throw new CognitoAuthError('CONFIG_INVALID', 'onServerError must be a function');
  return value as ServerErrorListener;
}
