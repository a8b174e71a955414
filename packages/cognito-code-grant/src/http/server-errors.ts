/**
 * Server-side failures (status 500 and up: a store down, Cognito unreachable, a bug) are answered
 * to the client with a code only; this is where the operator gets to see them. Every adapter and
 * the login routes call an `onServerError` listener for each such answer.
 */
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';

/** What a listener learns of the request: its method and path (never the query, which may hold an authorization code). */
export interface ServerErrorRequest {
  readonly method: string;
  readonly path: string;
}

export type ServerErrorListener = (error: unknown, request: ServerErrorRequest) => void;

/**
 * One log line: code, message, and the code and message of the cause. Our own messages carry no
 * token, cookie or secret; of a cause only its code and message are taken.
 */
export function describeServerError(error: unknown): string {
  const code = isCognitoAuthError(error) ? error.code : 'INTERNAL_ERROR';
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const causeText =
    cause === undefined || cause === null
      ? ''
      : ` (cause: ${[cause.code, cause.message].filter((v) => typeof v === 'string' && v !== '').join(' ')})`;
  return `${code}: ${message}${causeText}`;
}

/** The default outside Fastify (which uses `request.log`): one `console.error` line. */
export const logServerError: ServerErrorListener = (error, request) => {
  console.error(`cognito-code-grant: ${request.method} ${request.path}: ${describeServerError(error)}`);
};

/** The path of a request URL or path-and-query, without its query. */
export function pathOf(url: string): string {
  const start =
    url.startsWith('http://') || url.startsWith('https://') ? url.indexOf('/', url.indexOf('//') + 2) : 0;
  const path = start < 0 ? '/' : url.slice(start);
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
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
  try {
    listener(error, { method, path: pathOf(url) });
  } catch {
    // A logging failure must not turn into a second error for the client.
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
