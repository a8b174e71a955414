/**
 * Passwords: the pool's password policy (Cognito's default unless the seed says otherwise, with
 * Cognito's InvalidPasswordException messages), the stored hash a form or USER_PASSWORD_AUTH
 * checks, and the SRP record (salt + password hash, see srp.ts) USER_SRP_AUTH needs.
 * Not production hashing: an emulator on a laptop.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newSalt, srpPasswordHash } from './srp.ts';
import { ApiError } from './api-error.ts';

export interface PasswordPolicy {
  minimumLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireNumbers: boolean;
  requireSymbols: boolean;
}

/** Cognito's default policy. */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  minimumLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireNumbers: true,
  requireSymbols: true,
});

/** What USER_SRP_AUTH needs to compute the verifier (srp.ts). */
export interface SrpRecord {
  salt: string;
  hash: string;
}

/** The stored forms of one password of one user. */
export interface PasswordRecord {
  passwordHash: string;
  srp: SrpRecord;
}

export function hashPassword(password: string): string {
  const salt = randomBytes(8).toString('hex');
  return `sha256:${salt}:${createHash('sha256').update(`${salt}:${password}`).digest('hex')}`;
}

export function checkPassword(stored: string | undefined, password: string): boolean {
  if (!stored) return false;
  const [, salt, hex] = stored.split(':');
  const expected = Buffer.from(hex ?? '', 'hex');
  const given = createHash('sha256').update(`${salt}:${password}`).digest();
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Both stored forms; the SRP part depends on the pool and the username (USER_ID_FOR_SRP). */
export function passwordRecord(userPoolId: string, username: string, password: string): PasswordRecord {
  return {
    passwordHash: hashPassword(password),
    srp: { salt: newSalt(), hash: srpPasswordHash(userPoolId, username, password) },
  };
}

const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

/** Throws InvalidPasswordException with Cognito's message for the first rule the password breaks. */
export function checkPasswordPolicy(
  password: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): void {
  const fail = (why: string) => {
    throw new ApiError('InvalidPasswordException', `Password did not conform with policy: ${why}`);
  };
  if (password.length < policy.minimumLength) fail('Password not long enough');
  if (password.length > 256) fail('Password is too long');
  if (policy.requireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.requireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.requireNumbers && !/\d/.test(password)) fail('Password must have numeric characters');
  if (policy.requireSymbols && !SYMBOL.test(password)) fail('Password must have symbol characters');
}
