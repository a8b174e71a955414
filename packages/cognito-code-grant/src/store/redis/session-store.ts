/**
 * SessionStore over Redis (ioredis). One hash per session (`d` data, `u` sub, `e` expiry) with a
 * TTL, and a separate lease key taken with SET NX PX and released by a compare-and-delete script.
 */
import type { Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from '../../session/store.ts';

export interface RedisSessionStoreOptions {
  /** Prefix of every key. Default `ccg:`. */
  readonly prefix?: string;
  /** Clock in epoch ms, for expiry checks and TTLs. Default `Date.now`. */
  readonly now?: () => number;
}

/** The ioredis methods this store uses (a Redis or Cluster client both fit). */
export type RedisLike = Pick<Redis, 'hmget' | 'del' | 'multi' | 'eval'> & Partial<Pick<Redis, 'pipeline'>>;

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
const RELEASE_OWNED =
  "local cur = redis.call('get', KEYS[1]) " +
  "if cur and string.sub(cur, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then return redis.call('del', KEYS[1]) end return 0";

export function createRedisSessionStore(
  redis: RedisLike,
  options: RedisSessionStoreOptions = {},
): SessionStore {
  const prefix = options.prefix ?? 'ccg:';
  const now = options.now ?? Date.now;
  const key = (idHash: string) => `${prefix}session:${idHash}`;
  const leaseKey = (idHash: string) => `${prefix}lease:${idHash}`;
  const toRecord = (fields: readonly (string | null)[], t: number): SessionRecord | undefined => {
    const [data, sub, exp] = fields;
    if (data == null || exp == null) return undefined;
    const expiresAt = Number(exp);
    if (!(expiresAt > t)) return undefined;
    return { data, userSub: sub === '' || sub == null ? null : sub, expiresAt };
  };
  // A cluster client refuses a pipeline whose keys live on different nodes: one HMGET per key
  // there (still sent together); a single-node client sends the batch as one pipeline write.
  const canPipeline = typeof redis.pipeline === 'function' && !(redis as { isCluster?: boolean }).isCluster;
  return {
    async get(idHash) {
      return toRecord(await redis.hmget(key(idHash), 'd', 'u', 'e'), now());
    },
    async getMany(idHashes) {
      let rows: (string | null)[][];
      if (canPipeline) {
        const pipeline = redis.pipeline!();
        for (const idHash of idHashes) pipeline.hmget(key(idHash), 'd', 'u', 'e');
        const results = (await pipeline.exec()) ?? [];
        rows = results.map(([error, fields]) => {
          if (error) throw error;
          return fields as (string | null)[];
        });
      } else {
        rows = await Promise.all(idHashes.map((idHash) => redis.hmget(key(idHash), 'd', 'u', 'e')));
      }
      const t = now();
      return rows.map((fields) => toRecord(fields, t));
    },
    async set(idHash, record: SessionRecord) {
      const ttl = Math.max(1, Math.ceil(record.expiresAt - now()));
      const k = key(idHash);
      await redis
        .multi()
        .del(k)
        .hset(k, 'd', record.data, 'u', record.userSub ?? '', 'e', String(record.expiresAt))
        .pexpire(k, ttl)
        .exec();
    },
    async delete(idHash) {
      await redis.del(key(idHash), leaseKey(idHash));
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
  };
}
