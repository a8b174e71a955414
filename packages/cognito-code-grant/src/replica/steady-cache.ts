/**
 * The replica's steady-path cache: what was last read or written per user, so that a reused
 * token costs no store read while the entry is younger than `cacheTtlMs`; and the degraded mode
 * that answers from it while the store is away (`onStoreOutage`, docs/replica.md).
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { ReplicaUser } from './types.ts';
import type { StoredUser } from './user-store.ts';

export interface ReplicaCacheOptions {
  /** Users remembered by the steady-path cache. Default 10,000. */
  readonly cacheSize?: number;
  /** How long a cached user is trusted before one read re-checks it (disable/delete by another process). Default 60 s. */
  readonly cacheTtlMs?: number;
  /**
   * What a token or session request gets when its user must be re-read (cache entry older than
   * `cacheTtlMs`, or a change to write) and the store fails: `'fail-closed'` (default) throws
   * STORE_FAILED, so a user disabled or deleted meanwhile is never let in;
   * `{ serveLastKnownForMs }` answers from this process's last read of the user for up to that
   * long after the read (a user disabled during the outage keeps access that long). See
   * docs/replica.md.
   */
  readonly onStoreOutage?: 'fail-closed' | { readonly serveLastKnownForMs: number };
  /**
   * Told when a request was answered from the last known user because the store failed: once
   * per outage (again after a read succeeded). Default: a one-line `console.warn`.
   */
  readonly onDegraded?: (error: unknown) => void;
}

export interface CacheEntry {
  user: ReplicaUser;
  readonly groups: readonly string[];
  readonly fingerprint: string | null;
  readonly checkedAt: number;
}

function lastKnownWindow(outage: ReplicaCacheOptions['onStoreOutage']): number {
  if (outage === undefined || outage === 'fail-closed') return 0;
  const ms = (outage as { serveLastKnownForMs?: unknown } | null)?.serveLastKnownForMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      'onStoreOutage must be "fail-closed" or { serveLastKnownForMs: a number > 0 }',
    );
  return ms;
}

export function createSteadyCache(options: ReplicaCacheOptions & { readonly now?: () => number }) {
  const now = options.now ?? Date.now;
  const size = options.cacheSize ?? 10_000;
  const ttl = options.cacheTtlMs ?? 60_000;
  const serveLastKnownMs = lastKnownWindow(options.onStoreOutage);
  const onDegraded =
    options.onDegraded ??
    ((error: unknown) =>
      console.warn(
        `[cognito-code-grant] replica store failed; serving last known users: ${(error as Error)?.message}`,
      ));
  let degraded = false;
  const entries = new Map<string, CacheEntry>();
  const key = (poolId: string, sub: string) => `${poolId}\u0000${sub}`;

  return {
    get: (poolId: string, sub: string) => entries.get(key(poolId, sub)),
    isFresh: (entry: CacheEntry, ts: number) => ts - entry.checkedAt < ttl,
    remember(poolId: string, sub: string, stored: StoredUser): void {
      const k = key(poolId, sub);
      entries.delete(k);
      entries.set(k, {
        user: stored.user,
        groups: stored.groups,
        fingerprint: stored.fingerprint,
        checkedAt: now(),
      });
      if (entries.size > size) entries.delete(entries.keys().next().value as string);
    },
    forget(poolId: string, sub: string | null): void {
      if (sub !== null) entries.delete(key(poolId, sub));
    },
    clear(): void {
      entries.clear();
    },
    /**
     * Degraded mode: when `slow` fails with STORE_FAILED and `entry` was read less than
     * `serveLastKnownForMs` ago, answers `serve(entry.user)` instead (reported once per outage).
     */
    orLastKnown<T>(
      slow: Promise<T>,
      entry: CacheEntry,
      ts: number,
      serve: (user: ReplicaUser) => T,
    ): Promise<T> {
      if (!(serveLastKnownMs > 0)) return slow;
      return slow.then(
        (result) => {
          degraded = false;
          return result;
        },
        (error: unknown) => {
          const failed = (error as { code?: unknown } | null)?.code === 'STORE_FAILED';
          if (!failed || ts - entry.checkedAt >= serveLastKnownMs) throw error;
          const answer = serve(entry.user);
          if (!degraded) {
            degraded = true;
            onDegraded(error);
          }
          return answer;
        },
      );
    },
  };
}
