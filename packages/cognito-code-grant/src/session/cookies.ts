/**
 * Cookie parsing and serialising with the attributes validated on every serialise (RFC 6265bis):
 * no header injection, `__Host-` only with Secure + Path=/ and no Domain, Max-Age <= 400 days.
 * Values too large for one cookie are split into `name.0`, `name.1`, ... chunks.
 */

export type SameSite = 'Lax' | 'Strict';

export interface CookieAttributes {
  readonly maxAge: number;
  readonly path: string;
  readonly domain?: string | undefined;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: SameSite;
}

/** Browsers cap Max-Age at 400 days. */
export const MAX_COOKIE_AGE = 400 * 24 * 3600;
/** Room for name and attributes inside the ~4096-byte per-cookie limit. */
export const CHUNK_SIZE = 3800;
export const MAX_CHUNKS = 8;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[!#-+\--:<-[\]-~]*$/; // cookie-octet: no space, DQUOTE, comma, semicolon, backslash, CTLs
const PATH = /^\/[!#-:<-~]*$/;
const DOMAIN = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** True when `domain` is a host name usable as a cookie Domain. */
export function isCookieDomain(domain: string): boolean {
  return domain.length <= 253 && DOMAIN.test(domain);
}

/** Serialises one `Set-Cookie` value. Throws a TypeError on anything a browser would misread. */
export function serializeCookie(name: string, value: string, attrs: CookieAttributes): string {
  if (!TOKEN.test(name)) throw new TypeError('cookie name has characters outside RFC 6265 token');
  if (!VALUE.test(value)) throw new TypeError(`cookie ${name} value has characters outside cookie-octet`);
  if (!Number.isInteger(attrs.maxAge) || attrs.maxAge < 0 || attrs.maxAge > MAX_COOKIE_AGE) {
    throw new TypeError(`cookie ${name} Max-Age must be an integer between 0 and 400 days`);
  }
  if (!PATH.test(attrs.path)) throw new TypeError(`cookie ${name} Path is invalid`);
  if (attrs.domain !== undefined && !isCookieDomain(attrs.domain)) {
    throw new TypeError(`cookie ${name} Domain is invalid`);
  }
  if (name.startsWith('__Host-') && (!attrs.secure || attrs.path !== '/' || attrs.domain !== undefined)) {
    throw new TypeError('__Host- cookies need Secure, Path=/ and no Domain');
  }
  if (name.startsWith('__Secure-') && !attrs.secure) throw new TypeError('__Secure- cookies need Secure');
  let out = `${name}=${value}; Max-Age=${attrs.maxAge}; Path=${attrs.path}`;
  if (attrs.domain !== undefined) out += `; Domain=${attrs.domain}`;
  if (attrs.secure) out += '; Secure';
  if (attrs.httpOnly) out += '; HttpOnly';
  out += `; SameSite=${attrs.sameSite}`;
  return out;
}

/** A `Set-Cookie` value that deletes the cookie (same name, path and domain, Max-Age=0). */
export function clearCookie(name: string, attrs: CookieAttributes): string {
  return serializeCookie(name, '', { ...attrs, maxAge: 0 });
}

/**
 * Parses a `Cookie` header. The first occurrence of a name wins (the most specific path, as
 * browsers order them). Values are not decoded: every cookie of this library is base64url.
 */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  // Walks the header by index, as `split(';')` would cut it, without the array and the pieces
  // (it runs on every request that carries a session: about half the cost of the split).
  const n = header.length;
  // The next '=' at or after `start` (n when there is none), searched again only once a part
  // has passed it: a header of many parts and one late '=' is still read once, not once a part.
  let eq = -1;
  for (let start = 0; start <= n; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = n;
    if (eq < start) {
      eq = header.indexOf('=', start);
      if (eq < 0) eq = n;
    }
    if (eq > start && eq < end) {
      const name = header.slice(start, eq).trim();
      if (name !== '' && !out.has(name)) {
        let value = header.slice(eq + 1, end).trim();
        if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        out.set(name, value);
      }
    }
    start = end + 1;
  }
  return out;
}

/**
 * `Set-Cookie` values writing `value` under `name`, split into chunks when longer than
 * `CHUNK_SIZE`, and clearing stale chunks (or the unchunked cookie) the request still carries.
 */
export function writeChunked(
  name: string,
  value: string,
  attrs: CookieAttributes,
  present: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  if (value.length <= CHUNK_SIZE) {
    out.push(serializeCookie(name, value, attrs));
    for (let i = 0; i < MAX_CHUNKS; i++)
      if (present.has(`${name}.${i}`)) out.push(clearCookie(`${name}.${i}`, attrs));
    return out;
  }
  const count = Math.ceil(value.length / CHUNK_SIZE);
  if (count > MAX_CHUNKS) throw new TypeError(`cookie ${name} would need more than ${MAX_CHUNKS} chunks`);
  for (let i = 0; i < count; i++) {
    out.push(serializeCookie(`${name}.${i}`, value.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), attrs));
  }
  if (present.has(name)) out.push(clearCookie(name, attrs));
  for (let i = count; i < MAX_CHUNKS; i++)
    if (present.has(`${name}.${i}`)) out.push(clearCookie(`${name}.${i}`, attrs));
  return out;
}

/** Reads a possibly chunked cookie: `name`, else `name.0` + `name.1` + ... up to the first gap. */
export function readChunked(name: string, cookies: ReadonlyMap<string, string>): string | undefined {
  const whole = cookies.get(name);
  if (whole !== undefined) return whole === '' ? undefined : whole;
  let out = '';
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const part = cookies.get(`${name}.${i}`);
    if (part === undefined || part === '') break;
    out += part;
  }
  return out === '' ? undefined : out;
}

/** `Set-Cookie` values clearing `name` and every chunk of it present in the request. */
export function clearChunked(
  name: string,
  attrs: CookieAttributes,
  present: ReadonlyMap<string, string>,
): string[] {
  const out = [clearCookie(name, attrs)];
  for (let i = 0; i < MAX_CHUNKS; i++)
    if (present.has(`${name}.${i}`)) out.push(clearCookie(`${name}.${i}`, attrs));
  return out;
}

/**
 * The cookie name for a base name under the SECURITY.md policy: `__Host-` when Secure and no
 * Domain, `__Secure-` when Secure with a Domain, the plain name on http loopback development.
 */
export function prefixedName(base: string, secure: boolean, domain: string | undefined): string {
  if (!secure) return base;
  return domain === undefined ? `__Host-${base}` : `__Secure-${base}`;
}
