/**
 * Fetches a JWKS document: timeout, size cap, no redirects, 200 only. Every failure is a
 * `JWKS_FETCH_FAILED` (transport) or `JWKS_INVALID` (body) error; the caller keeps its keys.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { readStreamCapped } from '../util/read-capped.ts';

export interface JwksFetchOptions {
  fetch?: typeof globalThis.fetch | undefined;
  /** Default 3000 ms, covering headers and body. */
  timeoutMs?: number | undefined;
  /** Default 64 KiB. */
  maxBytes?: number | undefined;
}

export const DEFAULT_JWKS_TIMEOUT_MS = 3000;
export const DEFAULT_JWKS_MAX_BYTES = 64 * 1024;

function failed(uri: string, why: string, cause?: unknown): CognitoAuthError {
  return new CognitoAuthError('JWKS_FETCH_FAILED', `JWKS fetch from ${uri} failed: ${why}`, { cause });
}

/** Downloads and JSON-parses the JWKS at `uri`. Does not validate its shape. */
export async function fetchJwksDocument(uri: string, options: JwksFetchOptions = {}): Promise<unknown> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_JWKS_MAX_BYTES;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  timer.unref?.();
  try {
    const attempt = () =>
      doFetch(uri, {
        method: 'GET',
        redirect: 'manual',
        signal: controller.signal,
        headers: { accept: 'application/json' },
      });
    let response: Response;
    try {
      try {
        response = await attempt();
      } catch (error) {
        if (timedOut) throw error;
        // Once, at once, within the same time budget: a pooled keep-alive socket that the
        // server closed fails the first request that picks it (a reset, not an outage).
        response = await attempt();
      }
    } catch (error) {
      throw failed(uri, timedOut ? `no response within ${timeoutMs} ms` : 'network error', error);
    }
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      await response.body?.cancel().catch(() => {});
      throw failed(uri, `redirect (HTTP ${response.status}) refused`);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw failed(uri, `HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      controller.abort();
      throw failed(uri, `response larger than ${maxBytes} bytes`);
    }
    const text = await readCapped(response, maxBytes, controller, (error) =>
      isNotUtf8(error)
        ? new CognitoAuthError('JWKS_INVALID', `JWKS from ${uri} is not UTF-8`)
        : failed(uri, timedOut ? `body not received within ${timeoutMs} ms` : 'body read failed'),
    );
    if (text === undefined) throw failed(uri, `response larger than ${maxBytes} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CognitoAuthError('JWKS_INVALID', `JWKS from ${uri} is not valid JSON`, { cause: error });
    }
  } finally {
    clearTimeout(timer);
  }
}

function isNotUtf8(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

/** Reads the body (strict UTF-8) up to `maxBytes`; returns undefined (after aborting) when it is larger. */
async function readCapped(
  response: Response,
  maxBytes: number,
  controller: AbortController,
  onError: (error: unknown) => CognitoAuthError,
): Promise<string | undefined> {
  let text: string | undefined;
  try {
    text = await readStreamCapped(response.body, maxBytes, true);
  } catch (error) {
    const err = onError(error);
    throw new CognitoAuthError(err.code, err.message, { cause: error });
  }
  if (text === undefined) controller.abort();
  return text;
}
