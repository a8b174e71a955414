/**
 * Pending sign-in challenges of the user API, each valid for 3 minutes (Cognito's default
 * AuthSessionValidity) and usable once: the SRP exchange (keyed by its SECRET_BLOCK, which
 * Cognito's clients hand back) and the NEW_PASSWORD_REQUIRED step (keyed by its `Session`).
 */
import { randomBytes } from 'node:crypto';
import { digest } from './digest.ts';

export const AUTH_SESSION_MS = 3 * 60 * 1000;

export interface SrpChallenge {
  kind: 'srp';
  poolId: string;
  clientId: string;
  /** Undefined for the decoy challenge of an unknown user (PreventUserExistenceErrors). */
  sub: string | undefined;
  userIdForSrp: string;
  A: bigint;
  B: bigint;
  b: bigint;
  v: bigint;
  expiresAt: number;
}

export interface NewPasswordChallenge {
  kind: 'new_password';
  poolId: string;
  clientId: string;
  sub: string;
  expiresAt: number;
}

export type AuthSession = SrpChallenge | NewPasswordChallenge;

export class AuthSessions {
  private readonly live = new Map<string, AuthSession>();

  constructor(private readonly now: () => number) {}

  /** Stores a challenge; returns the opaque handle (base64, as Cognito's blobs look). */
  open(session: Omit<SrpChallenge, 'expiresAt'> | Omit<NewPasswordChallenge, 'expiresAt'>): string {
    this.sweep();
    const handle = randomBytes(192).toString('base64');
    this.live.set(digest(handle), { ...session, expiresAt: this.now() + AUTH_SESSION_MS } as AuthSession);
    return handle;
  }

  /** Reads a challenge without using it up (a retry after a refused new password). */
  peek(handle: string): AuthSession | undefined {
    const session = this.live.get(digest(handle));
    return session && session.expiresAt > this.now() ? session : undefined;
  }

  /** Takes a challenge out (single use); undefined when unknown, used or expired. */
  take(handle: string): AuthSession | undefined {
    const key = digest(handle);
    const session = this.live.get(key);
    this.live.delete(key);
    return session && session.expiresAt > this.now() ? session : undefined;
  }

  private sweep(): void {
    if (this.live.size < 1000) return;
    const now = this.now();
    for (const [k, s] of this.live) if (s.expiresAt <= now) this.live.delete(k);
  }
}
