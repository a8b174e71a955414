/**
 * SessionStore over Redis (ioredis). One hash per session (`d` data, `u` sub, `e` expiry, `v` a
 * random version written with the data) with a TTL, and a separate lease key (`owner|until`)
 * taken by a script that checks the owner and expiry, and released by a compare-and-delete
 * script. Both keys of a session carry its id as a hash tag (`{<idHash>}`), so on a Redis
 * Cluster they share a slot and the commands that touch both are accepted.
 *
 * With `push: true` every write also PUBLISHes on `<prefix>events` (in the same MULTI or script),
 * and `subscribe` listens on a dedicated connection (redis-channel.ts); the deny-list of token
 * origins is one sorted set, `<prefix>denied-origins`, scored by expiry.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { watchRedisErrors, withStoreDeadlines } from './client-guard.ts';
import { type PushListener, PushHub, sessionMessage } from '../../session/push.ts';
import { redisChannel } from './redis-channel.ts';
import { redisSessionReads } from './session-reads.ts';
import {
  type DeniedOrigin,
  type SessionRecord,
  type SessionStore,
  nonEnumerableOptionals,
} from '../../session/store.ts';

export interface RedisSessionStoreOptions {
  /** Prefix of every key. Default `ccg:`. */
  readonly prefix?: string;
  /** Clock in epoch ms, for expiry checks and TTLs. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Milliseconds one store call may take before it fails with STORE_FAILED (a partition, a
   * refused server still being retried by ioredis). Default 2000; 0: none. See
   * docs/configuration.md for the client settings that make a refused Redis fail faster.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Told about the first connection error of each outage (again after the client is ready).
   * Default: a one-line `console.warn`, unless the client already has an `'error'` listener.
   */
  readonly onConnectionError?: (error: Error) => void;
  /**
   * Publish every session write and deny-list entry on `<prefix>events` and offer `subscribe`
   * (store mode then keeps served sessions in memory until told otherwise). Every process
   * sharing the store must set it, and sessions must only be changed through the store (a raw
   * `DEL` publishes nothing). Default false.
   */
  readonly push?: boolean;
  /** Push: how often the subscriber connection is pinged; a missed answer counts as lost. Default 5000. */
  readonly heartbeatMs?: number;
}

/** The ioredis methods this store uses (a Redis or Cluster client both fit). */
export type RedisLike = Pick<Redis, 'hmget' | 'del' | 'multi' | 'eval'> &
  Partial<Pick<Redis, 'pipeline' | 'zrangebyscore'>>;

const TOUCH =
  "if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'e', ARGV[1]); " +
  "redis.call('pexpire', KEYS[1], ARGV[2]); return 1 else return 0 end";
// The lease value is `owner|until` (epoch ms by the store's clock), so expiry follows the same
// clock as everything else; the key's own PX only garbage-collects it.
const ACQUIRE =
  "local e = redis.call('hget', KEYS[2], 'e') " +
  'if not e or tonumber(e) <= tonumber(ARGV[2]) then return 0 end ' +
  "local cur = redis.call('get', KEYS[1]) " +
  "if cur then local sep = string.find(cur, '|', 1, true) " +
  'if sep then local owner = string.sub(cur, 1, sep - 1) local untilMs = tonumber(string.sub(cur, sep + 1)) ' +
  'if owner ~= ARGV[1] and untilMs and untilMs > tonumber(ARGV[2]) then return 0 end end end ' +
  "redis.call('set', KEYS[1], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4]) return 1";
// Replace only a live record (same fields and TTL as `set`); 0 when it is gone or expired.
const REPLACE_LIVE =
  "local e = redis.call('hget', KEYS[1], 'e') " +
  'if not e or tonumber(e) <= tonumber(ARGV[6]) then return 0 end ' +
  "redis.call('del', KEYS[1]) " +
  "redis.call('hset', KEYS[1], 'd', ARGV[1], 'u', ARGV[2], 'e', ARGV[3], 'v', ARGV[4]) " +
  "redis.call('pexpire', KEYS[1], ARGV[5]) " +
  "if ARGV[7] ~= '' then redis.call('publish', ARGV[7], ARGV[8]) end return 1";
// Deny-list: the later expiry wins; expired members go; the entry is published when pushing.
const DENY_ORIGIN =
  "local cur = redis.call('zscore', KEYS[1], ARGV[1]) local e = tonumber(ARGV[2]) " +
  'if cur and tonumber(cur) > e then e = tonumber(cur) end ' +
  "redis.call('zadd', KEYS[1], e, ARGV[1]) " +
  "redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[3]) " +
  "local ttl = e - tonumber(ARGV[3]) if ttl > 0 and redis.call('pttl', KEYS[1]) < ttl then redis.call('pexpire', KEYS[1], ttl) end " +
  "if ARGV[4] ~= '' then redis.call('publish', ARGV[4], 'o:' .. string.format('%d', e) .. ':' .. ARGV[1]) end return 1";
const RELEASE_OWNED =
  "local cur = redis.call('get', KEYS[1]) " +
  "if cur and string.sub(cur, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then return redis.call('del', KEYS[1]) end return 0";

/** A fresh random version with every write: never one a reader holds for older data. */
const newVersion = () => randomBytes(9).toString('base64url');

export interface RedisSessionStore extends SessionStore {
  /** Closes the push channel's subscriber connection (the client given stays yours to quit). */
  closeChannel(): Promise<void>;
}

export function createRedisSessionStore(
  redis: RedisLike,
  options: RedisSessionStoreOptions = {},
): RedisSessionStore {
  watchRedisErrors(redis as never, options.onConnectionError);
  const prefix = options.prefix ?? 'ccg:';
  const now = options.now ?? Date.now;
  const push = options.push === true;
  const events = push ? `${prefix}events` : '';
  const deniedKey = `${prefix}denied-origins`;
  const hub = push ? new PushHub(() => redisChannel(redis, events, options.heartbeatMs ?? 5000)) : undefined;
  const key = (idHash: string) => `${prefix}session:{${idHash}}`;
  const leaseKey = (idHash: string) => `${prefix}lease:{${idHash}}`;
  const reads = redisSessionReads(redis, key, now);
  const store = nonEnumerableOptionals({
    get: (idHash) => reads.get(idHash),
    getMany: (idHashes, knownVersions) => reads.getMany(idHashes, knownVersions),
    async set(idHash, record: SessionRecord) {
      const ttl = Math.max(1, Math.ceil(record.expiresAt - now()));
      const k = key(idHash);
      const multi = redis
        .multi()
        .del(k)
        .hset(
          k,
          'd',
          record.data,
          'u',
          record.userSub ?? '',
          'e',
          String(record.expiresAt),
          'v',
          newVersion(),
        )
        .pexpire(k, ttl);
      if (push) multi.publish(events, sessionMessage(idHash));
      await multi.exec();
    },
    async replace(idHash, record: SessionRecord) {
      const t = now();
      const result = await redis.eval(
        REPLACE_LIVE,
        1,
        key(idHash),
        record.data,
        record.userSub ?? '',
        String(record.expiresAt),
        newVersion(),
        String(Math.max(1, Math.ceil(record.expiresAt - t))),
        String(t),
        events,
        sessionMessage(idHash),
      );
      return Number(result) === 1;
    },
    async delete(idHash) {
      if (!push) {
        await redis.del(key(idHash), leaseKey(idHash));
        return;
      }
      await redis.multi().del(key(idHash), leaseKey(idHash)).publish(events, sessionMessage(idHash)).exec();
    },
    async touch(idHash, expiresAt) {
      const ttl = Math.max(1, Math.ceil(expiresAt - now()));
      await redis.eval(TOUCH, 1, key(idHash), String(expiresAt), String(ttl));
    },
    async acquireLease(idHash, owner, ttlMs) {
      // Atomic: a free or expired lease on a live session is taken; one's own lease is extended.
      const t = now();
      const result = await redis.eval(
        ACQUIRE,
        2,
        leaseKey(idHash),
        key(idHash),
        owner,
        String(t),
        String(t + ttlMs),
        String(Math.max(1, ttlMs)),
      );
      return Number(result) === 1;
    },
    async releaseLease(idHash, owner) {
      await redis.eval(RELEASE_OWNED, 1, leaseKey(idHash), owner);
    },
    ...(hub ? { subscribe: (listener: PushListener) => hub.subscribe(listener) } : {}),
    closeChannel: async () => hub?.close(),
    async denyOrigin(originJti, expiresAt) {
      await redis.eval(
        DENY_ORIGIN,
        1,
        deniedKey,
        originJti,
        String(Math.floor(expiresAt)),
        String(now()),
        events,
      );
    },
    async deniedOrigins() {
      // The whole live list (a sorted set has no insertion time): push keeps consumers current,
      // so this runs at start, at resynchronisation and while the channel is down.
      const flat = (await redis.zrangebyscore!(deniedKey, `(${now()}`, '+inf', 'WITHSCORES')) as string[];
      const out: DeniedOrigin[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        out.push({ originJti: flat[i]!, expiresAt: Number(flat[i + 1]) });
      return out;
    },
  });
  return withStoreDeadlines(store, options.commandTimeoutMs ?? 2000);
}
