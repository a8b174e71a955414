/**
 * The users pass of the sync: ListUsers pages in, batches of the diff out (one transaction
 * each), then the sweep of users the run did not see. Memory stays bounded whatever the pool
 * size: at most two batches are queued, and "seen" is a mark in the store (`seen_run`), not a
 * set in memory (except in a dry run, which writes nothing).
 */
import type { ReplicaEvents, ReplicaUser } from '../replica/types.ts';
import { userFields } from '../replica/user-fields.ts';
import type { UserFields } from '../replica/user-store.ts';
import type { SyncCounts, SyncRun } from './sync-run.ts';
import type { SweepScope, SyncedUser } from './sync-store.ts';
import { writeInFlight } from './write-in-flight.ts';

export interface CognitoUser {
  sub: string;
  username: string | null;
  attributes: Record<string, string>;
  status: string | null;
  enabled: boolean;
}

/** New rows after which the planner's statistics are no longer refreshed by the sync. */
const STATS_SETTLED = 16_000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Writes batches of listed users (`writes.done()` after the last page), then sweeps. */
export function createUserWriter(run: SyncRun, counts: SyncCounts) {
  const { store, poolId, runId, dryRun, events, now, seenSubs, plannedIds, sweptIds, startedAt } = run;
  // A dry run writes no marks: it filters the unseen by `seenSubs` instead.
  const scope: SweepScope = { runId: dryRun ? undefined : runId, createdBefore: startedAt };
  const wantsUserEvents = events !== undefined && (events.has('userCreated') || events.has('userUpdated'));
  let insertedSinceAnalyze = 0;
  let analyzedAt = 0;
  const writes = writeInFlight();
  // The subs of the batch whose write may still be in flight while the next one is planned.
  let previousSubs = new Set<string>();

  async function applyUsers(batch: CognitoUser[]): Promise<void> {
    const ts = now();
    const existing = new Map<string, SyncedUser>();
    for (const part of chunks(
      batch.map((u) => u.sub),
      500,
    )) {
      for (const found of await store.findBySubs(poolId, part)) existing.set(found.user.sub as string, found);
    }
    const inserts: { sub: string; fields: UserFields }[] = [];
    const updates: { id: number; sub: string; fields: UserFields; previous: ReplicaUser }[] = [];
    const unchanged: string[] = [];
    const batchSubs = new Set<string>();
    for (const u of batch) {
      // A user listed twice (Cognito documents no repeats in one chain, but a page boundary
      // moving under concurrent changes could) is planned once: a second plan against a lookup
      // that ran before the first was written would count it, and fire userCreated, twice.
      if (batchSubs.has(u.sub) || previousSubs.has(u.sub) || seenSubs?.has(u.sub)) continue;
      batchSubs.add(u.sub);
      seenSubs?.add(u.sub);
      const found = existing.get(u.sub);
      const fields = userFields(u);
      // Written by an earlier batch of this run (a repeat from further back than the batch
      // before) and listed the same again: planned already. Listed differently, it is an update.
      if (
        found !== undefined &&
        found.seenRun === runId &&
        found.fingerprint === fields.fingerprint &&
        found.user.deletedAt === null
      )
        continue;
      if (!found) {
        counts.created++;
        plannedIds?.set(u.sub, -(plannedIds.size + 1));
        inserts.push({ sub: u.sub, fields });
        continue;
      }
      const wasDeleted = found.user.deletedAt !== null;
      if (found.fingerprint === fields.fingerprint && !wasDeleted) {
        counts.unchanged++;
        unchanged.push(u.sub);
        continue;
      }
      const wasEnabled = found.user.enabled;
      if (wasEnabled && !u.enabled) counts.disabled++;
      else if (!wasEnabled && u.enabled) counts.enabled++;
      else counts.updated++;
      updates.push({ id: found.user.id, sub: u.sub, fields, previous: found.user });
    }
    previousSubs = batchSubs;
    if (dryRun) return;
    // The next batch is read and diffed while this one is written (a user listed again in it is
    // skipped above, so two batches never plan the same row).
    await writes.start(() => writeBatch(inserts, updates, unchanged, ts));
  }

  async function writeBatch(
    inserts: { sub: string; fields: UserFields }[],
    updates: { id: number; sub: string; fields: UserFields; previous: ReplicaUser }[],
    unchanged: string[],
    ts: number,
  ): Promise<void> {
    insertedSinceAnalyze += inserts.length;
    await store.writeUsers(poolId, runId, { inserts, updates, unchanged }, ts);
    // Statistics at 1k, 2k, 4k, 8k and 16k new rows, then no more: from there the planner scales
    // the row count by the table's current size itself, and each ANALYZE of a large table reads
    // 30,000 rows at random (three more for 200,000 users cost 0.5 s of PostgreSQL).
    if (analyzedAt < STATS_SETTLED && insertedSinceAnalyze >= Math.max(1000, analyzedAt)) {
      analyzedAt += insertedSinceAnalyze;
      insertedSinceAnalyze = 0;
      await store.refreshStatistics();
    }
    if (wantsUserEvents && events) await fireUserEvents(events, inserts, updates);
  }

  async function fireUserEvents(
    events: ReplicaEvents,
    inserts: readonly { sub: string }[],
    updates: readonly { id: number; previous: ReplicaUser }[],
  ): Promise<void> {
    if (events.has('userCreated') && inserts.length > 0) {
      for (const part of chunks(
        inserts.map((r) => r.sub),
        500,
      )) {
        for (const found of await store.findBySubs(poolId, part))
          await events.userCreated(found.user, 'sync');
      }
    }
    if (events.has('userUpdated')) {
      for (const { id, previous } of updates) {
        const fresh = await store.findById(id);
        if (fresh) await events.userUpdated(fresh, previous, 'sync');
      }
    }
  }

  /**
   * Soft-deletes the users this run did not see (only after a complete ListUsers chain).
   * `check(toDelete)` runs before anything is deleted and may refuse (the mass-delete guard); a
   * dry run counts first too, so it refuses exactly when the real run would.
   */
  async function sweep(check: (toDelete: number) => void): Promise<void> {
    if (dryRun) {
      let toDelete = 0;
      await eachUnseen((users) => {
        for (const u of users) if (!seenSubs?.has(u.sub as string)) toDelete++;
      });
      check(toDelete);
    } else {
      check(await store.countUnseenUsers(poolId, scope));
    }
    await eachUnseen(sweepPage);
  }

  async function eachUnseen(onPage: (users: ReplicaUser[]) => Promise<void> | void): Promise<void> {
    let afterId = 0;
    for (;;) {
      const users = await store.unseenUsers(poolId, scope, afterId, 1000);
      if (users.length === 0) return;
      afterId = (users[users.length - 1] as { id: number }).id;
      await onPage(users);
    }
  }

  async function sweepPage(users: ReplicaUser[]): Promise<void> {
    const gone = dryRun ? users.filter((u) => !seenSubs?.has(u.sub as string)) : users;
    counts.deleted += gone.length;
    for (const u of gone) sweptIds?.add(u.id);
    if (dryRun || gone.length === 0) return;
    const ts = now();
    await store.softDeleteUsers(
      gone.map((u) => u.id),
      ts,
    );
    if (events?.has('userDeleted')) {
      for (const u of gone)
        await events.userDeleted(Object.freeze({ ...u, deletedAt: ts, updatedAt: ts }), 'sync');
    }
  }

  return { applyUsers, writes, sweep };
}
