/**
 * SessionStore over Kysely (SQLite, PostgreSQL, MySQL/MariaDB) on the `{prefix}sessions` table
 * of migrations/sessions.ts. All queries are parameterised; the lease is one conditional UPDATE,
 * atomic on every dialect.
 *
 * The deny-list of token origins is the `{prefix}denied_origins` table. PostgreSQL with `listen`
 * has a push channel (LISTEN/NOTIFY, pg-channel.ts); the other dialects have none: consumers
 * poll `deniedOrigins(since)` every `pollIntervalMs`, and store mode reads every request.
 */
import { randomInt } from 'node:crypto';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { dialectOf } from './database.ts';
import { type PgListenOptions, pgChannel } from './pg-channel.ts';
import { type PushListener, PushHub } from '../../session/push.ts';
import { CognitoAuthError } from '../../errors/errors.ts';
import {
  type DeniedOrigin,
  type SessionRecord,
  type SessionStore,
  type UnchangedRecord,
  nonEnumerableOptionals,
} from '../../session/store.ts';

export interface SqlSessionStoreOptions {
  /** Prefix of the table names, as given to `migrate`. Default `cognito_`. */
  readonly tablePrefix?: string;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * PostgreSQL only: the push channel's dedicated connection (`{ connectionString }`, or
   * `{ connect }` returning a new `pg.Client`). Store mode then keeps served sessions in memory
   * until a NOTIFY says otherwise, and the deny-list is pushed instead of polled.
   */
  readonly listen?: PgListenOptions | undefined;
  /** How often consumers without a push channel poll the deny-list (ms). Default 1000. */
  readonly pollIntervalMs?: number;
}

export interface SqlSessionStore extends SessionStore {
  /** Deletes expired rows (and deny-list entries); returns how many. Run it now and then. */
  deleteExpired(): Promise<number>;
  /** Closes the LISTEN connection (`listen`); the Kysely instance stays yours to destroy. */
  closeChannel(): Promise<void>;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,30}$|^$/;
// This store's versions: the integer `version` column as decimal text.
const VERSION = /^[0-9]{1,10}$/;
const MAX_VERSION = 2 ** 31 - 1;

/** The dialect, or undefined for one `dialectOf` does not know (it then gets the portable SQL). */
function dialectIfKnown(db: Kysely<any>): string | undefined {
  try {
    return dialectOf(db);
  } catch {
    return undefined;
  }
}

// bigint columns come back as strings from pg and as numbers from the others.
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export function createSqlSessionStore(
  db: Kysely<any>,
  options: SqlSessionStoreOptions = {},
): SqlSessionStore {
  const prefix = options.tablePrefix ?? 'cognito_';
  if (!PREFIX.test(prefix))
    throw new CognitoAuthError('CONFIG_INVALID', 'tablePrefix must be letters, digits or _');
  const table = `${prefix}sessions`;
  const deniedTable = `${prefix}denied_origins`;
  const now = options.now ?? Date.now;
  const dialect = dialectIfKnown(db);
  if (options.listen !== undefined && dialect !== 'postgres')
    throw new CognitoAuthError('CONFIG_INVALID', 'listen (LISTEN/NOTIFY) needs PostgreSQL');
  const listen = options.listen;
  const hub = listen ? new PushHub(() => pgChannel(`${prefix}events`, listen)) : undefined;
  // Every query on the per-request path is compiled once per shape, then run with fresh bound
  // parameters (never interpolated): building and compiling it each time costs more than the
  // round trip on a fast network.
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
  const pgManySql =
    dialect === 'postgres'
      ? sql`select s.id_hash, s.user_sub, s.expires_at, s.version,
              case when s.version = k.v then null else s.data end as data
            from unnest(${[]}::varchar[], ${[]}::integer[]) as k(id, v)
            join ${sql.table(table)} as s on s.id_hash = k.id
            where s.expires_at > ${0}`.compile(db).sql
      : undefined;
  const toRecord = (row: Record<string, unknown>): SessionRecord => ({
    data: row['data'] as string,
    userSub: (row['user_sub'] as string | null) ?? null,
    expiresAt: num(row['expires_at']),
    version: String(row['version']),
  });

  /** Rewrites the row of `idHash` (only a live one with `liveOnly`); true when a row changed. */
  async function update(idHash: string, record: SessionRecord, t: number, liveOnly: boolean) {
    let query = db
      .updateTable(table)
      .set((eb: any) => ({
        data: record.data,
        user_sub: record.userSub,
        expires_at: record.expiresAt,
        updated_at: t,
        // The bump also makes MySQL report the row as changed when the data is identical.
        version: eb('version', '+', 1),
      }))
      .where('id_hash', '=', idHash);
    if (liveOnly) query = query.where('expires_at', '>', t);
    const updated = await query.executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  return nonEnumerableOptionals({
    async get(idHash) {
      const result = await db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(getSql, [idHash, now()]),
      );
      const row = result.rows[0];
      return row ? toRecord(row) : undefined;
    },
    async getMany(idHashes, knownVersions) {
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
        query = CompiledQuery.raw(pgManySql, [[...known.keys()], versions, now()]);
      } else {
        const pairs: unknown[] = [];
        for (const [id, version] of known) if (version !== null) pairs.push(id, Number(version));
        query = CompiledQuery.raw(manySql(idHashes.length, pairs.length / 2), [...pairs, ...idHashes, now()]);
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
    async set(idHash, record: SessionRecord) {
      const t = now();
      // Update first (a refresh rewrites an existing row); insert when there was none.
      if (await update(idHash, record, t, false)) return;
      await db
        .insertInto(table)
        .values({
          id_hash: idHash,
          user_sub: record.userSub,
          data: record.data,
          // Random, not 0: a session deleted and written again must not get a version a
          // reader still holds for the old data.
          version: randomInt(0, 2 ** 30),
          created_at: t,
          updated_at: t,
          expires_at: record.expiresAt,
        })
        .execute();
    },
    async replace(idHash, record: SessionRecord) {
      // One conditional UPDATE: atomic, and a deleted or expired row is not brought back.
      return update(idHash, record, now(), true);
    },
    async delete(idHash) {
      await db.deleteFrom(table).where('id_hash', '=', idHash).execute();
    },
    async touch(idHash, expiresAt) {
      await db
        .updateTable(table)
        .set({ expires_at: expiresAt, updated_at: now() })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now())
        .execute();
    },
    async acquireLease(idHash, owner, ttlMs) {
      const t = now();
      const result = await db
        .updateTable(table)
        .set({ lease_owner: owner, lease_until: t + ttlMs })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', t)
        .where((eb: any) =>
          eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', t), eb('lease_owner', '=', owner)]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async releaseLease(idHash, owner) {
      await db
        .updateTable(table)
        .set({ lease_owner: null, lease_until: null })
        .where('id_hash', '=', idHash)
        .where('lease_owner', '=', owner)
        .execute();
    },
    ...(hub ? { subscribe: (listener: PushListener) => hub.subscribe(listener) } : {}),
    closeChannel: async () => hub?.close(),
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    async denyOrigin(originJti, expiresAt) {
      const t = now();
      const values = { origin_jti: originJti, expires_at: Math.floor(expiresAt), recorded_at: t };
      const insert = db.insertInto(deniedTable).values(values);
      // The later expiry wins; PostgreSQL's trigger notifies the row as written.
      await (dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate({
            expires_at: sql`greatest(expires_at, values(expires_at))`,
            recorded_at: sql`values(recorded_at)`,
          })
        : insert.onConflict((oc: any) =>
            oc.column('origin_jti').doUpdateSet({
              expires_at: sql`case when excluded.expires_at > ${sql.ref(`${deniedTable}.expires_at`)} then excluded.expires_at else ${sql.ref(`${deniedTable}.expires_at`)} end`,
              recorded_at: sql`excluded.recorded_at`,
            }),
          )
      ).execute();
    },
    async deniedOrigins(since) {
      let query = db
        .selectFrom(deniedTable)
        .select(['origin_jti', 'expires_at'])
        .where('expires_at', '>', now());
      if (since !== undefined) query = query.where('recorded_at', '>=', since);
      const rows = await query.execute();
      return rows.map(
        (row: Record<string, unknown>): DeniedOrigin => ({
          originJti: row['origin_jti'] as string,
          expiresAt: num(row['expires_at']),
        }),
      );
    },
    async deleteExpired() {
      const t = now();
      const result = await db.deleteFrom(table).where('expires_at', '<=', t).executeTakeFirst();
      const origins = await db.deleteFrom(deniedTable).where('expires_at', '<=', t).executeTakeFirst();
      return Number(result.numDeletedRows) + Number(origins.numDeletedRows);
    },
  });
}
