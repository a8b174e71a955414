/**
 * Replica tables. Frozen in time: typed against Kysely<any>, never against today's schema; a
 * later change is a new migration, not an edit of this one.
 *
 * Portability choices (SQLite, PostgreSQL, MySQL/MariaDB):
 * - times are epoch milliseconds in BIGINT (no time-zone or precision differences);
 * - booleans are INTEGER 0/1 (better-sqlite3 cannot bind JS booleans);
 * - indexed strings are VARCHAR sized for Cognito limits (MySQL cannot index TEXT);
 * - on MySQL every table is utf8mb4 with the binary collation, so unicode is stored verbatim and
 *   `Staff` and `staff` (or `e` and `é`) are different group names, as in Cognito.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { dialectInfo } from '../dialect.ts';
import { replicaTables } from '../tables.ts';

export function replicaMigrations(prefix: string): Record<string, Migration> {
  const t = replicaTables(prefix);
  return {
    '2026_11_23_0001_replica': {
      async up(db: Kysely<any>) {
        const dialect = dialectInfo(db);
        const tableOptions = dialect.explicitCharset
          ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`
          : undefined;
        const idType = dialect.serialIds ? 'serial' : 'integer';
        // attributes: up to 50 custom attributes of 2048 chars; MySQL TEXT stops at 64 KiB.
        const longText = dialect.shortText ? sql`mediumtext` : sql`text`;

        let users = db.schema
          .createTable(t.users)
          .addColumn('id', idType, (c) =>
            dialect.serialIds ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('pool_id', 'varchar(64)', (c) => c.notNull())
          // null only for a pre-created local row waiting to be linked by email.
          .addColumn('sub', 'varchar(128)')
          .addColumn('username', 'varchar(255)')
          .addColumn('email', 'text')
          // lower-cased email for case-insensitive lookup; null when longer than 320 characters.
          .addColumn('email_lower', 'varchar(320)')
          .addColumn('email_verified', 'integer')
          .addColumn('status', 'varchar(32)')
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('attributes', longText, (c) => c.notNull())
          .addColumn('fingerprint', 'varchar(64)')
          // mark-and-sweep of the full sync: the id of the last sync run that saw this user.
          .addColumn('seen_run', 'varchar(64)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('last_login_at', 'bigint')
          .addColumn('last_seen_at', 'bigint')
          .addColumn('deleted_at', 'bigint')
          .addUniqueConstraint(`${t.users}_pool_sub_uq`, ['pool_id', 'sub']);
        if (tableOptions) users = users.modifyEnd(tableOptions);
        await users.execute();
        await db.schema
          .createIndex(`${t.users}_email_idx`)
          .on(t.users)
          .columns(['pool_id', 'email_lower'])
          .execute();
        await db.schema
          .createIndex(`${t.users}_seen_idx`)
          .on(t.users)
          .columns(['pool_id', 'seen_run'])
          .execute();

        let groups = db.schema
          .createTable(t.groups)
          .addColumn('id', idType, (c) =>
            dialect.serialIds ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('pool_id', 'varchar(64)', (c) => c.notNull())
          // Cognito group names are 1-128 characters.
          .addColumn('name', 'varchar(128)', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('precedence', 'integer')
          .addColumn('seen_run', 'varchar(64)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint(`${t.groups}_pool_name_uq`, ['pool_id', 'name']);
        if (tableOptions) groups = groups.modifyEnd(tableOptions);
        await groups.execute();

        let memberships = db.schema
          .createTable(t.userGroups)
          .addColumn('user_id', 'integer', (c) => c.notNull().references(`${t.users}.id`).onDelete('cascade'))
          .addColumn('group_id', 'integer', (c) =>
            c.notNull().references(`${t.groups}.id`).onDelete('cascade'),
          )
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.userGroups}_pk`, ['user_id', 'group_id']);
        if (tableOptions) memberships = memberships.modifyEnd(tableOptions);
        await memberships.execute();
        await db.schema
          .createIndex(`${t.userGroups}_group_idx`)
          .on(t.userGroups)
          .columns(['group_id', 'user_id'])
          .execute();

        let events = db.schema
          .createTable(t.webhookEvents)
          .addColumn('event_id', 'varchar(128)', (c) => c.primaryKey())
          // SHA-256 hex of the raw body: the same id with another body is a replay, not a retry.
          .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('trigger_source', 'varchar(64)')
          .addColumn('received_at', 'bigint', (c) => c.notNull());
        if (tableOptions) events = events.modifyEnd(tableOptions);
        await events.execute();
        await db.schema
          .createIndex(`${t.webhookEvents}_received_idx`)
          .on(t.webhookEvents)
          .column('received_at')
          .execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable(t.webhookEvents).ifExists().execute();
        await db.schema.dropTable(t.userGroups).ifExists().execute();
        await db.schema.dropTable(t.groups).ifExists().execute();
        await db.schema.dropTable(t.users).ifExists().execute();
      },
    },
    '2026_12_07_0001_users_seen_index_dropped': {
      // No query used it: the sweep then read users whose seen_run was null or another run's,
      // which an index on (pool_id, seen_run) cannot narrow (it now reads those below the run's
      // id, still a scan of the pool's live users). It cost an index entry per user at every sync
      // and kept the sync's seen-mark of an unchanged user from being a HOT update on PostgreSQL.
      async up(db: Kysely<any>) {
        let drop = db.schema.dropIndex(`${t.users}_seen_idx`);
        if (dialectInfo(db).indexNamedByTable) drop = drop.on(t.users);
        await drop.execute();
      },
      async down(db: Kysely<any>) {
        await db.schema
          .createIndex(`${t.users}_seen_idx`)
          .on(t.users)
          .columns(['pool_id', 'seen_run'])
          .execute();
      },
    },
  };
}
