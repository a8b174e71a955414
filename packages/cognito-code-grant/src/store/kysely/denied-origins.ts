/** The deny-list of token origins on the `{prefix}denied_origins` table. */
import { type Kysely, sql } from 'kysely';
import type { DeniedOrigin } from '../../session/store.ts';
import type { SqlDialectInfo } from './dialect.ts';
import { num } from './session-reads.ts';

export async function denyOriginRow(
  db: Kysely<any>,
  deniedTable: string,
  dialect: SqlDialectInfo | undefined,
  originJti: string,
  expiresAt: number,
  t: number,
): Promise<void> {
  const values = { origin_jti: originJti, expires_at: Math.floor(expiresAt), recorded_at: t };
  const insert = db.insertInto(deniedTable).values(values);
  // The later expiry wins; PostgreSQL's trigger notifies the row as written.
  await (dialect?.upsert === 'on-duplicate-key'
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
}

export async function deniedOriginRows(
  db: Kysely<any>,
  deniedTable: string,
  since: number | undefined,
  t: number,
): Promise<DeniedOrigin[]> {
  let query = db.selectFrom(deniedTable).select(['origin_jti', 'expires_at']).where('expires_at', '>', t);
  if (since !== undefined) query = query.where('recorded_at', '>=', since);
  const rows = await query.execute();
  return rows.map(
    (row: Record<string, unknown>): DeniedOrigin => ({
      originJti: row['origin_jti'] as string,
      expiresAt: num(row['expires_at']),
    }),
  );
}
