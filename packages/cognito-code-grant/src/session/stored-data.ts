/**
 * Store-mode record data, encrypted at rest. The tokens are sealed (AES-256-GCM) under a key
 * derived with HKDF-SHA256 from the session's own random secret: the half of the cookie only the
 * browser holds (the store keeps its SHA-256). A leaked database or Redis dump therefore yields
 * no usable access or refresh token; any process serving a request of that browser can open it.
 *
 * Format: `{"v":2,"sh":<SHA-256(secret)>,"enc":<seal(session JSON)>}`, the seal bound (AAD) to the
 * record's key so a record cannot be moved under another id.
 */
import { createHash, hkdfSync } from 'node:crypto';
import type { KeyRing } from './keys.ts';
import { seal, unseal } from './seal.ts';
import { type DecodedSession, type SessionState, decodeSession, encodeSession } from './session-data.ts';

const SALT = Buffer.from('cognito-code-grant/store-data/v2');

/** The data key of one session: HKDF-SHA256(secret), as a one-key ring for `seal`. */
export function storedDataKey(secret: string): KeyRing {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, 'ccg:store-data', 32));
  return { keys: [{ key, hint: createHash('sha256').update(key).digest().subarray(0, 4) }] };
}

/** The record's `data`: the secret hash in clear (for the constant-time check), the rest sealed. */
export function encodeStored(s: SessionState, secretHash: string, key: KeyRing, idHash: string): string {
  const enc = seal(key, `ccg-store:${idHash}`, encodeSession(s, { secretHash }));
  return JSON.stringify({ v: 2, sh: secretHash, enc });
}

/** The clear part of a record; undefined when it is not a record of this version. */
export function readStoredHeader(data: string): { secretHash: string; enc: string } | undefined {
  let w: unknown;
  try {
    w = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof w !== 'object' || w === null) return undefined;
  const r = w as Record<string, unknown>;
  if (r['v'] !== 2 || typeof r['sh'] !== 'string' || typeof r['enc'] !== 'string') return undefined;
  return { secretHash: r['sh'], enc: r['enc'] };
}

/** Opens the sealed part; undefined when the key is wrong or the data was altered. */
export function openStored(
  enc: string,
  key: KeyRing,
  idHash: string,
  sid: string,
): DecodedSession | undefined {
  const json = unseal(key, `ccg-store:${idHash}`, enc);
  return json === undefined ? undefined : decodeSession(json, sid);
}
