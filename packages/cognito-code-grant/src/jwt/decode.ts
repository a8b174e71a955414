/**
 * Strict JWS compact parsing: three canonical base64url segments, JSON-object header and payload,
 * an RS256-only header that can never point at a key of its own. Nothing here trusts the token.
 */
import { CognitoAuthError } from '../errors/errors.ts';

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

const BASE64URL_ALPHABET = /^[A-Za-z0-9_-]+$/;

/** Value (0-63) of each base64url character, by char code. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  SEXTET['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
}

/**
 * True when `segment` is canonical unpadded base64url: alphabet `[A-Za-z0-9_-]`, a length that is
 * not 1 mod 4, and zero spare bits in the last character. That is exactly "decode then re-encode
 * gives the same text", checked without decoding (one native regex scan, no allocation).
 */
export function isCanonicalBase64url(segment: string): boolean {
  const rem = segment.length % 4;
  if (rem === 1 || !BASE64URL_ALPHABET.test(segment)) return false;
  const last = SEXTET[segment.charCodeAt(segment.length - 1)]!;
  // 2 chars carry 8 bits + 4 spare; 3 chars carry 16 bits + 2 spare. Spare bits must be zero.
  if (rem === 2) return (last & 0x0f) === 0;
  if (rem === 3) return (last & 0x03) === 0;
  return true;
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

function parseJsonObject(token: string, start: number, end: number, what: string): Record<string, unknown> {
  const segment = token.slice(start, end);
  if (!isCanonicalBase64url(segment)) malformed(`token ${what} is not canonical base64url`);
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(segment, 'base64url'));
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
 * Parses a compact JWS without verifying it. Throws `TOKEN_MALFORMED`, `TOKEN_TOO_LARGE`,
 * `TOKEN_ALG_UNSUPPORTED` or `TOKEN_HEADER_UNSUPPORTED`.
 */
export function decodeJwt(
  token: unknown,
  maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH,
  knownHeaders?: ReadonlyMap<string, JwtHeader>,
): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0) malformed('token must be a non-empty string');
  if (token.length > maxTokenLength) {
    throw new CognitoAuthError('TOKEN_TOO_LARGE', `token is longer than ${maxTokenLength} characters`);
  }
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  // Also refuses JWE (five segments) and anything with a fourth dot.
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) malformed('token must have exactly three segments');
  // A pool signs every token with one of a few headers; a header segment that already passed
  // `checkHeader` (and signed a valid token) is not parsed again.
  const headerSegment = token.slice(0, dot1);
  let header = knownHeaders?.get(headerSegment);
  if (header === undefined) {
    const parsed = parseJsonObject(token, 0, dot1, 'header');
    checkHeader(parsed);
    header = parsed;
  }
  const payload = parseJsonObject(token, dot1 + 1, dot2, 'payload');
  const signature = token.slice(dot2 + 1);
  if (!isCanonicalBase64url(signature)) malformed('token signature is not canonical base64url');
  return { header, headerSegment, payload, signingInputEnd: dot2, signature };
}
