/**
 * Session table for the SQL session store. Migrations are frozen in time: typed against
 * Kysely<any>, never against today's schema.
 */
import type { Kysely, Migration } from 'kysely';

export function sessionMigrations(prefix: string): Record<string, Migration> {
  const table = `${prefix}sessions`;
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
  };
}
