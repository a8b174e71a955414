/**
 * Translation between Node's `http` objects (which Express and Fastify wrap) and the core's
 * RequestLike and Web Request/Response. No auth decisions here.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { CognitoAuthError } from '../errors/errors.ts';
import type { RequestLike } from '../http/types.ts';

/** A RequestLike over Node's parsed headers: one small object per request, no copying. */
class NodeRequestLike implements RequestLike {
  readonly method: string;
  readonly url: string;
  readonly #headers: IncomingHttpHeaders;
  constructor(method: string, url: string, headers: IncomingHttpHeaders) {
    this.method = method;
    this.url = url;
    this.#headers = headers;
  }
  header(name: string): string | undefined {
    const value = this.#headers[name];
    // Node already joins repeated headers (cookies with "; "); only set-cookie stays an array.
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/** Wraps Node's headers as a RequestLike. `url` is the path and query as the app sees it. */
export function nodeRequestLike(method: string, url: string, headers: IncomingHttpHeaders): RequestLike {
  return new NodeRequestLike(method, url, headers);
}

export interface WebRequestOptions {
  /**
   * Origin of the Web Request's URL. Not taken from `Host`: that header is client-chosen, and
   * handlers build redirect URLs from configuration. Default `http://localhost`.
   */
  origin?: string;
  /** Largest request body, in bytes. Default 1 MiB; larger bodies get `REQUEST_TOO_LARGE`. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** 413 `REQUEST_TOO_LARGE` naming the limit, so a client (or its developer) knows what to send. */
export function bodyTooLarge(max: number | undefined, cause?: unknown): CognitoAuthError {
  const limit = max ?? DEFAULT_MAX_BODY_BYTES;
  return new CognitoAuthError(
    'REQUEST_TOO_LARGE',
    `The request body exceeds the limit of ${limit} bytes`,
    cause === undefined ? { details: { limit } } : { cause, details: { limit } },
  );
}

/**
 * The library's error for a body parser's refusal (Express's body-parser, Fastify's content-type
 * parsers): 413 `REQUEST_TOO_LARGE` naming the limit, 400 `BAD_REQUEST` saying the JSON is
 * malformed. Undefined for any other error. `limit` is the parser's limit when the error lacks it.
 */
export function bodyParserError(error: unknown, limit?: number): CognitoAuthError | undefined {
  const e = error as { type?: unknown; code?: unknown; limit?: unknown; statusCode?: unknown } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (e.type === 'entity.too.large' || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return bodyTooLarge(typeof e.limit === 'number' ? e.limit : limit, error);
  }
  const json =
    e.type === 'entity.parse.failed' ||
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    (error instanceof SyntaxError && e.statusCode === 400);
  if (json) {
    return new CognitoAuthError('BAD_REQUEST', 'The request body is not valid JSON', { cause: error });
  }
  return undefined;
}

/** A Web Request plus a flag telling whether its body stream hit the size cap. */
export interface TranslatedRequest {
  readonly request: Request;
  tooLarge(): boolean;
}

/** Node's parsed headers as a Web Headers object (pseudo-headers dropped). */
export function webHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // HTTP/2 pseudo-headers cannot be set on a Headers object.
    if (name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

/**
 * Builds a Web Request from a Node request whose body has not been consumed. The body is
 * streamed, not buffered; past `maxBodyBytes` the stream errors with `REQUEST_TOO_LARGE`.
 * Throws `REQUEST_TOO_LARGE` at once when `Content-Length` already says so.
 */
export function toWebRequest(
  req: IncomingMessage,
  path: string,
  options: WebRequestOptions = {},
): TranslatedRequest {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const origin = options.origin ?? 'http://localhost';
  const method = req.method ?? 'GET';
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    throw bodyTooLarge(max);
  }
  let exceeded = false;
  let body: ReadableStream<Uint8Array> | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    let received = 0;
    body = new ReadableStream<Uint8Array>({
      start(controller) {
        const onData = (chunk: Buffer) => {
          received += chunk.length;
          if (received > max) {
            exceeded = true;
            controller.error(bodyTooLarge(max));
            // Stop reading; the adapter answers 413 with `Connection: close` so the rest is dropped.
            req.off('data', onData);
            req.pause();
            return;
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        };
        req.on('data', onData);
        req.once('end', () => {
          if (!exceeded) controller.close();
        });
        req.once('error', (error) => {
          if (!exceeded) controller.error(error);
        });
      },
      pull() {
        if (!exceeded) req.resume();
      },
      cancel() {
        req.destroy();
      },
    });
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers: webHeaders(req.headers) };
  if (body !== undefined) {
    init.body = body;
    init.duplex = 'half';
  }
  return { request: new Request(new URL(path, origin), init), tooLarge: () => exceeded };
}

/** Adds `Set-Cookie` values, keeping those already set by earlier middleware. */
export function appendSetCookies(res: ServerResponse, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  const existing = res.getHeader('set-cookie');
  const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader('set-cookie', [...before, ...cookies]);
}

/** Writes a Web Response to a Node response; every `Set-Cookie` value is kept separate. */
export async function sendWebResponse(
  res: ServerResponse,
  response: Response,
  extraSetCookies: readonly string[] = [],
): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  appendSetCookies(res, [...extraSetCookies, ...response.headers.getSetCookie()]);
  // Handler responses (redirects, small pages, JSON) are small: buffering keeps errors simple.
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (body !== undefined) res.setHeader('content-length', body.length);
  res.end(body);
}

/** Writes an ErrorResponse-like answer to a Node response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: unknown,
  setCookies: readonly string[] = [],
): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  // An unread, oversized body must not be drained for keep-alive: close the connection.
  if (status === 413) res.setHeader('connection', 'close');
  for (const name in headers) res.setHeader(name, headers[name]!);
  appendSetCookies(res, setCookies);
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}
