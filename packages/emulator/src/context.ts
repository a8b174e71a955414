/** What every request handler shares: state, faults, clock, log, URLs and short-lived stores. */
import type { AuthSessions } from './auth-sessions.ts';
import type { CodeStore } from './codes.ts';
import type { Faults } from './faults.ts';
import type { EmulatorState, PoolState } from './state.ts';

export interface Context {
  state: EmulatorState;
  faults: Faults;
  /** Base URL of the emulator (domain and admin endpoint). */
  baseUrl(): string;
  issuer(pool: PoolState): string;
  now(): number;
  log(line: string): void;
  /** New-password challenges of FORCE_CHANGE_PASSWORD users on the hosted page, by digest(challenge id). */
  challenges: Map<string, { poolId: string; sub: string; expiresAt: number }>;
  /** Confirmation, reset and attribute-verification codes (emulator-readable). */
  codes: CodeStore;
  /** The user API's pending challenges (SRP secret blocks, NEW_PASSWORD_REQUIRED sessions). */
  authSessions: AuthSessions;
}
