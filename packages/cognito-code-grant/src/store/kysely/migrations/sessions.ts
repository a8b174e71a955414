/**
 * Session table for the SQL session store. Migrations are frozen in time: typed against
 * Kysely<any>, never against today's schema.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { dialectInfo } from '../dialect.ts';

export function sessionMigrations(prefix: string): Record<string, Migration> {
  const table = `${prefix}sessions`;
  const denied = `${prefix}denied_origins`;
  return {
    '2026_11_23_0002_sessions': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable(table)
          // SHA-256 hex of the session id (the secret's own hash is inside `data`): the cookie value is never stored.
          .addColumn('id_hash', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_sub', 'varchar(255)')
          // JSON: tokens and session metadata. Unbounded (tokens have no fixed size).
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
          // Refresh lease: one process refreshes while the others wait (epoch ms).
          .addColumn('lease_until', 'bigint')
          .addColumn('lease_owner', 'varchar(64)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex(`${table}_expires_idx`).on(table).column('expires_at').execute();
        await db.schema.createIndex(`${table}_user_idx`).on(table).column('user_sub').execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable(table).execute();
      },
    },
    '2026_12_06_0001_denied_origins': {
      async up(db: Kysely<any>) {
        // Token origins (`origin_jti`) of sessions this app ended; refused until expires_at.
        await db.schema
          .createTable(denied)
          .addColumn('origin_jti', 'varchar(255)', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          // When it was (last) recorded, by the writer's clock: pollers read what is new.
          .addColumn('recorded_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex(`${denied}_recorded_idx`).on(denied).column('recorded_at').execute();
        if (!dialectInfo(db).notify) return;
        // PostgreSQL push channel: NOTIFY from triggers, delivered at commit, so no write (by
        // this library, an admin's DELETE or any other client) escapes the listeners. `touch`
        // and lease updates keep the version and notify nothing.
        const channel = sql.lit(`${prefix}events`);
        await sql`create function ${sql.raw(`${prefix}notify_session`)}() returns trigger language plpgsql as $$
          begin
            if tg_op = 'DELETE' then perform pg_notify(${channel}, 's:' || old.id_hash);
            elsif new.version is distinct from old.version then perform pg_notify(${channel}, 's:' || new.id_hash);
            end if;
            return null;
          end $$`.execute(db);
        await sql`create trigger ${sql.raw(`${prefix}sessions_notify`)} after update or delete on ${sql.table(table)}
          for each row execute function ${sql.raw(`${prefix}notify_session`)}()`.execute(db);
        await sql`create function ${sql.raw(`${prefix}notify_origin`)}() returns trigger language plpgsql as $$
          begin
            perform pg_notify(${channel}, 'o:' || new.expires_at || ':' || new.origin_jti);
            return null;
          end $$`.execute(db);
        await sql`create trigger ${sql.raw(`${prefix}denied_origins_notify`)} after insert or update on ${sql.table(denied)}
          for each row execute function ${sql.raw(`${prefix}notify_origin`)}()`.execute(db);
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable(denied).execute();
        if (!dialectInfo(db).notify) return;
        await sql`drop trigger if exists ${sql.raw(`${prefix}sessions_notify`)} on ${sql.table(table)}`.execute(
          db,
        );
        await sql`drop function if exists ${sql.raw(`${prefix}notify_session`)}()`.execute(db);
        await sql`drop function if exists ${sql.raw(`${prefix}notify_origin`)}()`.execute(db);
      },
    },
  };
}
