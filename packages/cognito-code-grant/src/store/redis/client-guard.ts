/**
 * Faults of the Redis connection under a session store (issue 18): every store call gets a
 * deadline (a partition or a refused server costs a bounded STORE_FAILED, not ioredis's ~10 s of
 * retries or a hang), and the client's connection errors are reported once per outage (ioredis
 * emits one per reconnect attempt) instead of going unheard.
 */
import type { SessionStore } from '../../session/store.ts';
import { withDeadline } from '../../util/deadline.ts';

export interface RedisGuardOptions {
  /** Milliseconds a store call may take; 0: no deadline. */
  readonly commandTimeoutMs: number;
  /** Told about the first connection error of each outage; undefined: nobody. */
  readonly onConnectionError: ((error: Error) => void) | undefined;
}

/** What the guard needs of an ioredis client (Redis or Cluster): its events, when it has them. */
interface Emitter {
  on?(event: string, listener: (...args: any[]) => void): unknown;
  listenerCount?(event: string): number;
}

const STORE_METHODS = [
  'get',
  'getMany',
  'set',
  'replace',
  'delete',
  'touch',
  'acquireLease',
  'releaseLease',
  'denyOrigin',
  'deniedOrigins',
] as const satisfies readonly (keyof SessionStore)[];

/** Listens for the client's errors for its whole life and reports the first of each outage. */
export function watchRedisErrors(redis: Emitter, onError: ((error: Error) => void) | undefined): void {
  if (typeof redis.on !== 'function') return;
  // Without any listener ioredis prints "Unhandled error event" on every attempt; with only ours
  // and no callback, an outage is still told once.
  const report =
    onError ??
    ((redis.listenerCount?.('error') ?? 0) === 0
      ? (error: Error) => console.warn(`[cognito-code-grant] redis connection error: ${error.message}`)
      : undefined);
  let reported = false;
  const once = (error: Error) => {
    if (reported) return;
    reported = true;
    report?.(error);
  };
  redis.on('error', once);
  // A Cluster tells a lost node connection as 'node error' (its own 'error' is cluster-wide).
  redis.on('node error', once);
  redis.on('ready', () => {
    reported = false;
  });
}

/** Puts a deadline on every SessionStore method of `store` (in place; enumerability kept). */
export function withStoreDeadlines<T extends SessionStore>(store: T, ms: number): T {
  if (!(ms > 0)) return store;
  for (const name of STORE_METHODS) {
    const descriptor = Object.getOwnPropertyDescriptor(store, name);
    const fn = descriptor?.value as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== 'function') continue;
    const guarded = (...args: unknown[]) => withDeadline(fn.apply(store, args), ms, `redis ${name}`);
    Object.defineProperty(store, name, { ...descriptor, value: guarded });
  }
  return store;
}
