/** The webhook events table: claim an event id once, release it, prune old ones. */
import type { Kysely } from 'kysely';
import type { ReplicaSql } from './replica-sql.ts';

export async function claimWebhookEventRow(
  db: Kysely<any>,
  q: ReplicaSql,
  eventId: string,
  bodyHash: string,
  triggerSource: string,
  now: number,
): Promise<'new' | 'duplicate' | 'conflict'> {
  const t = q.t;
  const inserted = await q.write(() =>
    q.insertIgnore(
      db,
      t.webhookEvents,
      {
        event_id: eventId,
        body_hash: bodyHash,
        trigger_source: triggerSource.slice(0, 64),
        received_at: now,
      },
      ['event_id'],
    ),
  );
  if (inserted) return 'new';
  const row = await q.read(() =>
    db.selectFrom(t.webhookEvents).select(['body_hash']).where('event_id', '=', eventId).executeTakeFirst(),
  );
  return row?.body_hash === bodyHash ? 'duplicate' : 'conflict';
}

export async function pruneWebhookEventRows(
  db: Kysely<any>,
  q: ReplicaSql,
  olderThanMs: number,
): Promise<number> {
  const t = q.t;
  const r = await q.write(() =>
    db.deleteFrom(t.webhookEvents).where('received_at', '<', olderThanMs).executeTakeFirst(),
  );
  return Number(r.numDeletedRows);
}
