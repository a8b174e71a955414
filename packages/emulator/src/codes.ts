/**
 * One-time codes Cognito would e-mail or text: sign-up confirmation, forgot-password reset and
 * attribute verification. Nothing is sent: each code is written to the emulator's log and kept
 * where a developer or a test can read it (`GET /_emulator/codes`, `emu.codes()`), which real
 * Cognito of course never offers.
 *
 * A new code replaces the previous one of the same purpose; a code is single use, expires
 * (24 h for sign-up and attribute codes, 1 h for reset codes, as Cognito) and dies after
 * {@link MAX_ATTEMPTS} wrong guesses (LimitExceededException, as Cognito throttles guessing).
 */
import { randomInt } from 'node:crypto';
import { ApiError } from './api-error.ts';

export type CodePurpose = 'signup' | 'forgot_password' | 'verify_email' | 'verify_phone_number';

export interface DeliveredCode {
  poolId: string;
  username: string;
  sub: string;
  purpose: CodePurpose;
  code: string;
  /** The attribute the code "went" to. */
  attributeName: 'email' | 'phone_number';
  destination: string;
  expiresAt: number;
}

/** CodeDeliveryDetailsType as the API returns it. */
export interface CodeDeliveryDetails {
  Destination: string;
  DeliveryMedium: 'EMAIL' | 'SMS';
  AttributeName: string;
}

const HOUR = 3_600_000;
const LIFETIME: Record<CodePurpose, number> = {
  signup: 24 * HOUR,
  forgot_password: HOUR,
  verify_email: 24 * HOUR,
  verify_phone_number: 24 * HOUR,
};
export const MAX_ATTEMPTS = 5;

/** `jane@example.com` -> `j***@e***`, `+15555550123` -> `+*******0123`, as Cognito masks them. */
export function maskDestination(attributeName: string, value: string): string {
  if (attributeName === 'email') {
    const at = value.indexOf('@');
    return `${value.slice(0, 1)}***@${value.slice(at + 1, at + 2)}***`;
  }
  return `+${'*'.repeat(Math.max(0, value.length - 5))}${value.slice(-4)}`;
}

export class CodeStore {
  private readonly live = new Map<string, DeliveredCode & { attempts: number }>();

  constructor(
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  private key(poolId: string, sub: string, purpose: CodePurpose): string {
    return `${poolId}|${sub}|${purpose}`;
  }

  /** Makes (and logs) a fresh 6-digit code; returns the delivery details the API answers. */
  issue(
    input: Omit<DeliveredCode, 'code' | 'expiresAt' | 'destination'> & { value: string },
  ): CodeDeliveryDetails {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const destination = maskDestination(input.attributeName, input.value);
    const { value: _value, ...rest } = input;
    this.live.set(this.key(input.poolId, input.sub, input.purpose), {
      ...rest,
      code,
      destination,
      expiresAt: this.now() + LIFETIME[input.purpose],
      attempts: 0,
    });
    this.log(`code for ${input.username} (${input.purpose}, ${input.attributeName} ${destination}): ${code}`);
    return {
      Destination: destination,
      DeliveryMedium: input.attributeName === 'email' ? 'EMAIL' : 'SMS',
      AttributeName: input.attributeName,
    };
  }

  /**
   * Consumes a code: CodeMismatchException on a wrong one, ExpiredCodeException when none is live
   * (never sent, used, expired), LimitExceededException after too many wrong guesses.
   */
  consume(poolId: string, sub: string, purpose: CodePurpose, given: string): DeliveredCode {
    const key = this.key(poolId, sub, purpose);
    const entry = this.live.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      this.live.delete(key);
      throw new ApiError('ExpiredCodeException', 'Invalid code provided, please request a code again.');
    }
    if (entry.code !== given) {
      entry.attempts++;
      if (entry.attempts >= MAX_ATTEMPTS) {
        this.live.delete(key);
        throw new ApiError('LimitExceededException', 'Attempt limit exceeded, please try after some time.');
      }
      throw new ApiError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    }
    this.live.delete(key);
    const { attempts: _attempts, ...code } = entry;
    return code;
  }

  /** Live codes, newest last; filtered by username (exact) and pool when given. */
  list(filter: { username?: string; poolId?: string } = {}): DeliveredCode[] {
    const now = this.now();
    const out: DeliveredCode[] = [];
    for (const [key, entry] of this.live) {
      if (entry.expiresAt <= now) {
        this.live.delete(key);
        continue;
      }
      if (filter.poolId && entry.poolId !== filter.poolId) continue;
      if (filter.username && entry.username.toLowerCase() !== filter.username.toLowerCase()) continue;
      const { attempts: _attempts, ...code } = entry;
      out.push(code);
    }
    return out;
  }

  /** Drops every code of a user (deleted user). */
  forget(poolId: string, sub: string): void {
    for (const [key, entry] of this.live)
      if (entry.poolId === poolId && entry.sub === sub) this.live.delete(key);
  }
}
