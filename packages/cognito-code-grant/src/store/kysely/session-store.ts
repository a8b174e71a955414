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
import type { Kysely } from 'kysely';
import { type SqlDialectInfo, dialectInfo } from './dialect.ts';
import { deniedOriginRows, denyOriginRow } from './denied-origins.ts';
import { type PgListenOptions, pgChannel } from './pg-channel.ts';
import { sessionReads } from './session-reads.ts';
import { type PushListener, PushHub } from '../../session/push.ts';
import { CognitoAuthError } from '../../errors/errors.ts';
import { type SessionRecord, type SessionStore, nonEnumerableOptionals } from '../../session/store.ts';

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

/** The dialect, or undefined for one `dialectInfo` does not know (it then gets the portable SQL). */
function dialectIfKnown(db: Kysely<any>): SqlDialectInfo | undefined {
  try {
    return dialectInfo(db);
  } catch {
    return undefined;
  }
}

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
  if (options.listen !== undefined && !dialect?.notify)
    throw new CognitoAuthError('CONFIG_INVALID', 'listen (LISTEN/NOTIFY) needs PostgreSQL');
  const listen = options.listen;
  const hub = listen ? new PushHub(() => pgChannel(`${prefix}events`, listen)) : undefined;
  const reads = sessionReads(db, table, dialect);

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
    get: (idHash) => reads.get(idHash, now()),
    getMany: (idHashes, knownVersions) => reads.getMany(idHashes, knownVersions, now()),
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
    denyOrigin: (originJti, expiresAt) =>
      denyOriginRow(db, deniedTable, dialect, originJti, expiresAt, now()),
    deniedOrigins: (since) => deniedOriginRows(db, deniedTable, since, now()),
    async deleteExpired() {
      const t = now();
      const result = await db.deleteFrom(table).where('expires_at', '<=', t).executeTakeFirst();
      const origins = await db.deleteFrom(deniedTable).where('expires_at', '<=', t).executeTakeFirst();
      return Number(result.numDeletedRows) + Number(origins.numDeletedRows);
    },
  });
}
