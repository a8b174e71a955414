/**
 * State replay: each login `state` completes a callback at most once in this process (the code
 * itself is single use at Cognito). Bounded: expired entries go first, then the oldest.
 */
import { createHash } from 'node:crypto';

const MAX_ENTRIES = 10_000;

export interface StateReplayGuard {
  /** True the first time `state` is seen; remembered until `until` (epoch ms). */
  consume(state: string, until: number): boolean;
}

export function createStateReplayGuard(now: () => number): StateReplayGuard {
  const used = new Map<string, number>();
  return {
    consume(state: string, until: number): boolean {
      const t = now();
      const key = createHash('sha256').update(state).digest('base64url');
      if (used.has(key)) return false;
      if (used.size >= MAX_ENTRIES) {
        for (const [k, v] of used) if (v <= t) used.delete(k);
        while (used.size >= MAX_ENTRIES) {
          const first = used.keys().next().value;
          if (first === undefined) break;
          used.delete(first);
        }
      }
      used.set(key, until);
      return true;
    },
  };
}
