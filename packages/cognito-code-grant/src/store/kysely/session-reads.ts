/**
 * The session store's per-request reads (get, getMany). Every query on the per-request path is
 * compiled once per shape, then run with fresh bound parameters (never interpolated): building
 * and compiling it each time costs more than the round trip on a fast network.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { SqlDialectInfo } from './dialect.ts';
import type { SessionRecord, UnchangedRecord } from '../../session/store.ts';

// This store's versions: the integer `version` column as decimal text.
const VERSION = /^[0-9]{1,10}$/;
const MAX_VERSION = 2 ** 31 - 1;

// bigint columns come back as strings from pg and as numbers from the others.
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const toRecord = (row: Record<string, unknown>): SessionRecord => ({
  data: row['data'] as string,
  userSub: (row['user_sub'] as string | null) ?? null,
  expiresAt: num(row['expires_at']),
  version: String(row['version']),
});

/** The compiled reads of one sessions table. */
export interface SessionReads {
  get(idHash: string, t: number): Promise<SessionRecord | undefined>;
  getMany(
    idHashes: readonly string[],
    knownVersions: readonly (string | undefined)[] | undefined,
    t: number,
  ): Promise<(SessionRecord | UnchangedRecord | undefined)[]>;
}

export function sessionReads(
  db: Kysely<any>,
  table: string,
  dialect: SqlDialectInfo | undefined,
): SessionReads {
  const getSql = db
    .selectFrom(table)
    .select(['data', 'user_sub', 'expires_at', 'version'])
    .where('id_hash', '=', '')
    .where('expires_at', '>', 0)
    .compile().sql;
  // getMany: `n` ids, `k` of them with the version the caller holds; where that version is
  // still current, `data` comes back NULL (not sent, and not even detoasted by PostgreSQL).
  const getManySql = new Map<string, string>();
  const manySql = (n: number, k: number): string => {
    const shape = `${n}:${k}`;
    let text = getManySql.get(shape);
    if (text === undefined) {
      const ids = Array.from({ length: n }, () => '');
      text = db
        .selectFrom(table)
        .select(['id_hash', 'user_sub', 'expires_at', 'version'])
        .select((eb: any) =>
          k === 0
            ? eb.ref('data').as('data')
            : eb
                .case()
                .when(
                  eb.or(
                    Array.from({ length: k }, () => eb.and([eb('id_hash', '=', ''), eb('version', '=', 0)])),
                  ),
                )
                .then(sql.lit(null))
                .else(eb.ref('data'))
                .end()
                .as('data'),
        )
        .where('id_hash', 'in', ids)
        .where('expires_at', '>', 0)
        .compile().sql;
      if (getManySql.size < 1024) getManySql.set(shape, text);
    }
    return text;
  };
  // PostgreSQL: one statement for every batch, the ids and versions bound as two arrays. Its
  // parse and plan cost does not grow with the batch as the IN list and CASE of `manySql` do
  // (about a third less server CPU per 20-id batch, and fewer parameters to serialise).
  const pgManySql = dialect?.arrayParameters
    ? sql`select s.id_hash, s.user_sub, s.expires_at, s.version,
              case when s.version = k.v then null else s.data end as data
            from unnest(${[]}::varchar[], ${[]}::integer[]) as k(id, v)
            join ${sql.table(table)} as s on s.id_hash = k.id
            where s.expires_at > ${0}`.compile(db).sql
    : undefined;

  return {
    async get(idHash, t) {
      const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(getSql, [idHash, t]));
      const row = result.rows[0];
      return row ? toRecord(row) : undefined;
    },
    async getMany(idHashes, knownVersions, t) {
      if (idHashes.length === 0) return [];
      // Parameters in the order of the SQL: the (id, version) pairs of the CASE, then the ids.
      // An id asked twice with different versions is read in full (`null` marks the conflict).
      const known = new Map<string, string | null>();
      for (let i = 0; i < idHashes.length; i++) {
        const version = knownVersions?.[i];
        const valid = version !== undefined && VERSION.test(version) && Number(version) <= MAX_VERSION;
        const id = idHashes[i]!;
        const seen = known.get(id);
        if (seen === undefined) known.set(id, valid ? version : null);
        else if (seen !== version) known.set(id, null);
      }
      let query: CompiledQuery;
      if (pgManySql !== undefined) {
        // Each id once (a repeated id would join twice), null where no version is known.
        const versions = [...known.values()].map((v) => (v === null ? null : Number(v)));
        query = CompiledQuery.raw(pgManySql, [[...known.keys()], versions, t]);
      } else {
        const pairs: unknown[] = [];
        for (const [id, version] of known) if (version !== null) pairs.push(id, Number(version));
        query = CompiledQuery.raw(manySql(idHashes.length, pairs.length / 2), [...pairs, ...idHashes, t]);
      }
      const result = await db.executeQuery<Record<string, unknown>>(query);
      const byId = new Map<string, SessionRecord | UnchangedRecord>();
      for (const row of result.rows) {
        const idHash = row['id_hash'] as string;
        const version = String(row['version']);
        if (row['data'] === null && known.get(idHash) === version) {
          byId.set(idHash, {
            unchanged: true,
            version,
            userSub: (row['user_sub'] as string | null) ?? null,
            expiresAt: num(row['expires_at']),
          });
        } else if (typeof row['data'] === 'string') {
          byId.set(idHash, toRecord(row));
        }
      }
      return idHashes.map((idHash) => byId.get(idHash));
    },
  };
}
