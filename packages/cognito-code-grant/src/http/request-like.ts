/**
 * Translations from the request shapes the library accepts to its internal `RequestLike`: one
 * place, used by the Web adapter and the login routes alike.
 */
import type { RequestLike } from './types.ts';

/** A RequestLike over a Web Request (path and query only; headers read on demand). */
export function webRequestLike(request: Request): RequestLike {
  const url = new URL(request.url);
  return {
    method: request.method,
    url: url.pathname + url.search,
    header: (name) => request.headers.get(name) ?? undefined,
  };
}

/** Anything a Cookie header can be read from: Web Request, RequestLike, Node IncomingMessage. */
export type HeaderSource =
  | Request
  | RequestLike
  | { readonly headers: Readonly<Record<string, string | readonly string[] | undefined>> };

/** The Cookie header of any HeaderSource (repeated Node headers joined with "; "). */
export function cookieHeaderOf(source: HeaderSource): string | undefined {
  if (typeof (source as RequestLike).header === 'function') return (source as RequestLike).header('cookie');
  const headers = (source as { headers: unknown }).headers;
  if (headers && typeof (headers as Headers).get === 'function')
    return (headers as Headers).get('cookie') ?? undefined;
  const raw = (headers as Record<string, string | readonly string[] | undefined> | undefined)?.['cookie'];
  return Array.isArray(raw) ? raw.join('; ') : (raw as string | undefined);
}
