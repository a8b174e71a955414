/**
 * Keys derived from the session secrets with HKDF-SHA-256, one key per purpose, so that a value
 * sealed for one purpose (login state) can never be opened as another (a session).
 * The first secret seals; every secret opens (rotation).
 */
import { createHash, hkdfSync } from 'node:crypto';
import { CognitoAuthError } from '../errors/errors.ts';

export type KeyPurpose = 'session' | 'login-state' | 'csrf';

export interface DerivedKey {
  readonly key: Buffer;
  /** First 4 bytes of SHA-256(key): picks the key that opens a value without trial decryption. */
  readonly hint: Buffer;
}

/** Keys for one purpose; `keys[0]` seals, all of them open. */
export interface KeyRing {
  readonly keys: readonly DerivedKey[];
}

export interface SessionKeys {
  readonly session: KeyRing;
  readonly loginState: KeyRing;
  readonly csrf: KeyRing;
}

const MIN_SECRET_BYTES = 32;
const SALT = Buffer.from('cognito-code-grant/session/v1');

/** Throws `CONFIG_INVALID` unless there is at least one secret and every one has 32+ bytes. */
export function validateSecrets(secrets: unknown, option = 'session.secrets'): readonly string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      `${option} is required (SESSION_SECRET: 32+ random bytes, several comma-separated for rotation)`,
    );
  }
  for (const [i, s] of list.entries()) {
    if (typeof s !== 'string' || Buffer.byteLength(s, 'utf8') < MIN_SECRET_BYTES) {
      throw new CognitoAuthError(
        'CONFIG_INVALID',
        `${option}[${i}] is shorter than ${MIN_SECRET_BYTES} bytes; generate one with \`openssl rand -base64 48\``,
      );
    }
  }
  return Object.freeze([...(list as string[])]);
}

function derive(secret: string, purpose: KeyPurpose): DerivedKey {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, `ccg:${purpose}`, 32));
  return { key, hint: createHash('sha256').update(key).digest().subarray(0, 4) };
}

/** Derives the keys of every purpose from validated secrets. */
export function deriveSessionKeys(secrets: readonly string[]): SessionKeys {
  const ring = (purpose: KeyPurpose): KeyRing => ({
    keys: Object.freeze(secrets.map((s) => derive(s, purpose))),
  });
  return Object.freeze({ session: ring('session'), loginState: ring('login-state'), csrf: ring('csrf') });
}
