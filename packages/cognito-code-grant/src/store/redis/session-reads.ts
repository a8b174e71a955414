/** The Redis session store's reads: one HMGET per id, batched into one round trip. */
import type { SessionRecord, UnchangedRecord } from '../../session/store.ts';
import type { RedisLike } from './session-store.ts';

export interface RedisSessionReads {
  get(idHash: string): Promise<SessionRecord | undefined>;
  getMany(
    idHashes: readonly string[],
    knownVersions?: readonly (string | undefined)[],
  ): Promise<(SessionRecord | UnchangedRecord | undefined)[]>;
}

export function redisSessionReads(
  redis: RedisLike,
  key: (idHash: string) => string,
  now: () => number,
): RedisSessionReads {
  /** The `u` field: '' (or absent) stands for no sub. */
  const subOf = (sub: string | null | undefined): string | null => (sub === '' || sub == null ? null : sub);
  /** `[d, u, e, v]` as a record, or undefined when gone. */
  const toRecord = (fields: readonly (string | null)[], t: number): SessionRecord | undefined => {
    const [data, sub, exp, version] = fields;
    if (data == null || exp == null) return undefined;
    const expiresAt = Number(exp);
    if (!(expiresAt > t)) return undefined;
    const userSub = subOf(sub);
    return version == null ? { data, userSub, expiresAt } : { data, userSub, expiresAt, version };
  };
  // A cluster client refuses a pipeline whose keys live on different nodes: one command per key
  // there (still sent together); a single-node client sends a batch as one pipeline write.
  const canPipeline = typeof redis.pipeline === 'function' && !(redis as { isCluster?: boolean }).isCluster;
  /** HMGET of `fields` on each id, in one round trip. */
  async function hmgetMany(idHashes: readonly string[], fields: readonly string[][]) {
    if (!canPipeline)
      return Promise.all(idHashes.map((idHash, i) => redis.hmget(key(idHash), ...fields[i]!)));
    const pipeline = redis.pipeline!();
    for (let i = 0; i < idHashes.length; i++) pipeline.hmget(key(idHashes[i]!), ...fields[i]!);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, values]) => {
      if (error) throw error;
      return values as (string | null)[];
    });
  }
  const FULL = ['d', 'u', 'e', 'v'];
  const HEAD = ['v', 'u', 'e'];
  return {
    async get(idHash) {
      return toRecord(await redis.hmget(key(idHash), ...FULL), now());
    },
    async getMany(idHashes, knownVersions) {
      // Ids whose version the caller holds: version, sub and expiry only. The data of those that
      // changed comes in a second round trip (the whole record at once, so it is consistent).
      const rows = await hmgetMany(
        idHashes,
        idHashes.map((_, i) => (knownVersions?.[i] === undefined ? FULL : HEAD)),
      );
      const t = now();
      const out: (SessionRecord | UnchangedRecord | undefined)[] = [];
      const stale: number[] = [];
      for (let i = 0; i < idHashes.length; i++) {
        const known = knownVersions?.[i];
        const fields = rows[i]!;
        if (known === undefined) {
          out.push(toRecord(fields, t));
          continue;
        }
        const [version, sub, exp] = fields;
        const expiresAt = Number(exp);
        if (version === known && exp != null && expiresAt > t) {
          out.push({ unchanged: true, version, userSub: subOf(sub), expiresAt });
        } else if (exp == null || !(expiresAt > t)) {
          out.push(undefined);
        } else {
          out.push(undefined);
          stale.push(i);
        }
      }
      if (stale.length > 0) {
        const again = await hmgetMany(
          stale.map((i) => idHashes[i]!),
          stale.map(() => FULL),
        );
        for (let j = 0; j < stale.length; j++) out[stale[j]!] = toRecord(again[j]!, now());
      }
      return out;
    },
  };
}
