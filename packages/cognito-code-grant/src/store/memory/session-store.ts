/**
 * In-memory SessionStore for development and tests: bounded, single process only. Its push
 * channel and deny-list are in-process (every app instance sharing this object sees them).
 */
import { inProcessChannel, originMessage, sessionMessage } from '../../session/push.ts';
import {
  type DeniedOrigin,
  type SessionRecord,
  type SessionStore,
  nonEnumerableOptionals,
} from '../../session/store.ts';

export interface MemorySessionStoreOptions {
  /** Maximum sessions kept; the least recently written goes first (default 10 000). */
  maxSessions?: number;
  /** Clock in epoch ms (default Date.now). */
  now?: () => number;
  /** Deny-list entries kept (default 100 000; the soonest to expire go first). */
  maxDeniedOrigins?: number;
  /**
   * Told once, the first time a live deny-list entry is dropped because the list is full: its
   * tokens verify again (default one console.warn line). The memory store is for one process in
   * development; a SQL or Redis store keeps every entry.
   */
  onDenylistFull?: (maxDeniedOrigins: number) => void;
}

interface Entry {
  record: SessionRecord;
  leaseOwner?: string;
  leaseUntil?: number;
}

export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore & {
  /** Number of live records (for tests and metrics). */
  size(): number;
} {
  const max = options.maxSessions ?? 10_000;
  const now = options.now ?? Date.now;
  const map = new Map<string, Entry>();
  let writes = 0;
  const channel = inProcessChannel();
  // origin_jti -> [expiresAt, recordedAt]
  const denied = new Map<string, [number, number]>();
  const maxDenied = options.maxDeniedOrigins ?? 100_000;
  const onDenylistFull =
    options.onDenylistFull ??
    ((n: number) =>
      console.warn(
        `cognito-code-grant: the memory session store's deny-list is full (maxDeniedOrigins ${n}): the denied token origin closest to expiry was dropped and its tokens verify again; use a SQL or Redis store`,
      ));
  let toldFull = false;
  const live = (idHash: string): Entry | undefined => {
    const e = map.get(idHash);
    if (e && e.record.expiresAt <= now()) {
      map.delete(idHash);
      return undefined;
    }
    return e;
  };
  const write = (idHash: string, record: SessionRecord) => {
    const previous = map.get(idHash);
    map.delete(idHash);
    while (map.size >= max) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
    // A new version on every write, never reused (the counter only grows).
    const entry: Entry = { record: { ...record, version: String(++writes) } };
    if (previous?.leaseOwner !== undefined) {
      entry.leaseOwner = previous.leaseOwner;
      if (previous.leaseUntil !== undefined) entry.leaseUntil = previous.leaseUntil;
    }
    map.set(idHash, entry);
    channel.publish(sessionMessage(idHash));
  };
  return nonEnumerableOptionals({
    // getMany exists (the port's reference implementation) but reads are not gathered.
    inProcess: true,
    async get(idHash) {
      return live(idHash)?.record;
    },
    async getMany(idHashes, knownVersions) {
      return idHashes.map((idHash, i) => {
        const record = live(idHash)?.record;
        if (record === undefined || record.version !== knownVersions?.[i]) return record;
        const { version, userSub, expiresAt } = record;
        return { unchanged: true as const, version: version!, userSub, expiresAt };
      });
    },
    async set(idHash, record) {
      write(idHash, record);
    },
    async replace(idHash, record) {
      // Check and write with no await between them: atomic in this process.
      if (live(idHash) === undefined) return false;
      write(idHash, record);
      return true;
    },
    async delete(idHash) {
      map.delete(idHash);
      channel.publish(sessionMessage(idHash));
    },
    async touch(idHash, expiresAt) {
      const e = live(idHash);
      if (e) e.record = { ...e.record, expiresAt };
    },
    async acquireLease(idHash, owner, ttlMs) {
      const e = live(idHash);
      if (!e) return false;
      const t = now();
      if (e.leaseOwner !== undefined && e.leaseOwner !== owner && (e.leaseUntil ?? 0) > t) return false;
      e.leaseOwner = owner;
      e.leaseUntil = t + ttlMs;
      return true;
    },
    async releaseLease(idHash, owner) {
      const e = map.get(idHash);
      if (e && e.leaseOwner === owner) {
        delete e.leaseOwner;
        delete e.leaseUntil;
      }
    },
    subscribe: (listener) => channel.subscribe(listener),
    async denyOrigin(originJti, expiresAt) {
      const t = now();
      const current = denied.get(originJti)?.[0] ?? 0;
      if (expiresAt > current) {
        if (!denied.has(originJti) && denied.size >= maxDenied) {
          for (const [k, [until]] of denied) if (until <= t) denied.delete(k);
          while (denied.size >= maxDenied) {
            let soonest: string | undefined;
            let min = Number.POSITIVE_INFINITY;
            for (const [k, [until]] of denied) if (until < min) [soonest, min] = [k, until];
            denied.delete(soonest!);
            if (!toldFull) {
              toldFull = true;
              onDenylistFull(maxDenied);
            }
          }
        }
        denied.set(originJti, [expiresAt, t]);
      }
      channel.publish(originMessage(originJti, Math.max(expiresAt, current)));
    },
    async deniedOrigins(since) {
      const t = now();
      const out: DeniedOrigin[] = [];
      for (const [originJti, [expiresAt, at]] of denied) {
        if (expiresAt <= t) denied.delete(originJti);
        else if (since === undefined || at >= since) out.push({ originJti, expiresAt });
      }
      return out;
    },
    size: () => map.size,
  });
}
