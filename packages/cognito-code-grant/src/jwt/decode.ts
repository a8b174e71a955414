/**
 * Strict JWS compact parsing: three canonical base64url segments, JSON-object header and payload,
 * an RS256-only header that can never point at a key of its own. Nothing here trusts the token.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { holdToken, scratchBuffer, view, writeAscii } from './scratch.ts';

export const DEFAULT_MAX_TOKEN_LENGTH = 16_384;

export interface JwtHeader {
  readonly alg: 'RS256';
  readonly kid: string;
  readonly typ?: 'JWT';
  readonly [name: string]: unknown;
}

export interface DecodedJwt {
  readonly header: JwtHeader;
  /** The raw header segment (key of the verifier's known-header memo). */
  readonly headerSegment: string;
  readonly payload: Record<string, unknown>;
  /** Index of the second dot: `token` up to here is the signing input. */
  readonly signingInputEnd: number;
  /** The base64url signature segment, decoded only once a key is known. */
  readonly signature: string;
}

// Header members that would let the token choose its own key or need processing we do not do.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit', 'cty'] as const;

function malformed(message: string): never {
  throw new CognitoAuthError('TOKEN_MALFORMED', message);
}

// The value of each base64url character (-1 for any other), for the last character's spare bits.
const BASE64URL_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries())
  BASE64URL_VALUE[c.charCodeAt(0)] = i;

/**
 * Decodes `segment` into the scratch buffer when it is canonical unpadded base64url: alphabet
 * `[A-Za-z0-9_-]`, a length that is not 1 mod 4, zero spare bits in the last character (exactly
 * "decode then re-encode gives the same text"). Returns the byte count in `scratchBuffer()`, or
 * -1 when not canonical. Node's decoder is lenient: it skips (or stops at) ASCII characters
 * outside both base64 alphabets and at `=`, so any of those gives fewer bytes than the length
 * implies; `+` and `/` it accepts, so they are looked for; and it reads a character above U+00FF
 * by its low byte (U+0141 as `A`), so a segment with any character beyond ASCII is refused first
 * (its UTF-8 length is then longer than its length), unless the caller checked that already for
 * the whole token (`ascii`). The bytes go to the scratch at `offset`. Cheaper than re-encoding
 * the segment (a test compares both ways on random input, such characters included).
 */
function decodeCanonical(segment: string, ascii = false, offset = 0): number {
  const length = segment.length;
  const rest = length & 3;
  if (length === 0 || rest === 1 || (!ascii && Buffer.byteLength(segment, 'utf8') !== length)) return -1;
  const n = scratchBuffer(offset + (length >> 2) * 3 + 3).write(segment, offset, 'base64url');
  if (n !== (length * 3) >> 2 || segment.indexOf('+') >= 0 || segment.indexOf('/') >= 0) return -1;
  if (rest !== 0) {
    const c = segment.charCodeAt(length - 1);
    const value = c < 128 ? (BASE64URL_VALUE[c] as number) : -1;
    // The last character of 2 (3) carries 4 (2) bits beyond the last byte: they must be zero.
    if (value < 0 || (value & (rest === 2 ? 0x0f : 0x03)) !== 0) return -1;
  }
  return n;
}

/** True when `segment` is canonical unpadded base64url (see `decodeCanonical`). */
export function isCanonicalBase64url(segment: string): boolean {
  return decodeCanonical(segment) >= 0;
}

// RFC 7519 section 7.2 and RFC 8725 section 3.7: bytes that are not UTF-8 are refused, not
// replaced with U+FFFD (two different signed byte strings must never give the same claims).
// `ignoreBOM` keeps a leading BOM in the text, where JSON.parse refuses it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ES2024's String.prototype.isWellFormed (Node 20+); the project's lib is ES2023.
const isWellFormedString = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** True when every string (member names included) in a parsed JSON value is well-formed UTF-16. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormedString(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(wellFormed);
  for (const key in value) {
    if (!isWellFormedString(key) || !wellFormed((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** Parses a segment of `token`, decoded into the scratch at `offset`. */
function parseJsonObject(
  token: string,
  start: number,
  end: number,
  offset: number,
  what: string,
): Record<string, unknown> {
  // decodeJwt refused any character beyond ASCII in the token.
  const n = decodeCanonical(token.slice(start, end), true, offset);
  if (n < 0) malformed(`token ${what} is not canonical base64url`);
  let text: string;
  try {
    text = UTF8.decode(view(scratchBuffer(offset + n), offset, n));
  } catch {
    malformed(`token ${what} is not UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    malformed(`token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    malformed(`token ${what} is not a JSON object`);
  // Valid UTF-8 cannot hold a lone surrogate; only a `\uD800`-style escape can, so the walk
  // runs only when the text has an escape at all (Cognito escapes `/`, not characters).
  if (text.includes('\\u') && !wellFormed(value)) malformed(`token ${what} has a lone surrogate escape`);
  return value as Record<string, unknown>;
}

/** Checks the JOSE header: RS256 only, a `kid`, and nothing that names a key or a nested token. */
export function checkHeader(header: Record<string, unknown>): asserts header is JwtHeader {
  if (header['alg'] !== 'RS256') {
    throw new CognitoAuthError('TOKEN_ALG_UNSUPPORTED', 'token alg must be RS256');
  }
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid.length === 0) malformed('token header has no kid');
  for (const name of FORBIDDEN_HEADERS) {
    if (header[name] !== undefined) {
      throw new CognitoAuthError('TOKEN_HEADER_UNSUPPORTED', `token header "${name}" is not supported`);
    }
  }
  if (header['typ'] !== undefined && header['typ'] !== 'JWT') {
    throw new CognitoAuthError('TOKEN_HEADER_UNSUPPORTED', 'token header "typ" must be JWT when present');
  }
}

/**
 * Header segments that already passed `checkHeader` and signed a valid token (a pool signs with
 * a handful), each with its parsed header. Found by comparing the start of the token, which
 * costs less than slicing the segment out and hashing it for a Map lookup.
 */
export class KnownHeaders {
  readonly #segments: string[] = [];
  readonly #headers: JwtHeader[] = [];
  readonly #capacity: number;

  constructor(capacity = 64) {
    this.#capacity = capacity;
  }

  /** The header of `token`, whose first dot is at `dot`, when its segment is known. */
  find(token: string, dot: number): JwtHeader | undefined {
    const segments = this.#segments;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.length === dot && token.startsWith(segment)) return this.#headers[i];
    }
    return undefined;
  }

  add(segment: string, header: JwtHeader): void {
    // A header that came from here is found by identity, without comparing text.
    if (this.#headers.includes(header)) return;
    for (const known of this.#segments) if (known === segment) return;
    if (this.#segments.length >= this.#capacity) {
      this.#segments.length = 0;
      this.#headers.length = 0;
    }
    this.#segments.push(segment);
    this.#headers.push(header);
  }
}

/**
 * Parses a compact JWS without verifying it. Throws `TOKEN_MALFORMED`, `TOKEN_TOO_LARGE`,
 * `TOKEN_ALG_UNSUPPORTED` or `TOKEN_HEADER_UNSUPPORTED`.
 */
export function decodeJwt(
  token: unknown,
  maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH,
  knownHeaders?: ReadonlyMap<string, JwtHeader> | KnownHeaders,
): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0) malformed('token must be a non-empty string');
  if (token.length > maxTokenLength) {
    throw new CognitoAuthError('TOKEN_TOO_LARGE', `token is longer than ${maxTokenLength} characters`);
  }
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  // Also refuses JWE (five segments) and anything with a fourth dot.
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) malformed('token must have exactly three segments');
  // Base64url and dots only: a character beyond ASCII is refused once for the whole token (Node's
  // base64 decoder and a latin1 signing input would read one above U+00FF by its low byte). The
  // token's bytes stay at the start of the scratch, the RSA check's signing input (signature.ts);
  // room is made at once for any segment decoded after them, so the scratch is not replaced.
  if (!writeAscii(token, 2 * token.length + 3)) malformed('token must be ASCII');
  const decodeAt = token.length;
  // A pool signs every token with one of a few headers; a header segment that already passed
  // `checkHeader` (and signed a valid token) is not parsed again.
  const headerSegment = token.slice(0, dot1);
  let header =
    knownHeaders instanceof KnownHeaders ? knownHeaders.find(token, dot1) : knownHeaders?.get(headerSegment);
  if (header === undefined) {
    const parsed = parseJsonObject(token, 0, dot1, decodeAt, 'header');
    checkHeader(parsed);
    header = parsed;
  }
  const payload = parseJsonObject(token, dot1 + 1, dot2, decodeAt, 'payload');
  const signature = token.slice(dot2 + 1);
  if (decodeCanonical(signature, true, decodeAt) < 0) malformed('token signature is not canonical base64url');
  holdToken(token);
  return { header, headerSegment, payload, signingInputEnd: dot2, signature };
}
