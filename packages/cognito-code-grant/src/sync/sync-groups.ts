/**
 * The groups pass of the sync: ListGroups, then ListUsersInGroup per group (far cheaper than
 * one AdminListGroupsForUser per user), each group's member set diffed against the store's.
 */
import { attributesFromList } from '../replica/normalize.ts';
import { IdMarks } from './id-marks.ts';
import { MemberDiff } from './member-diff.ts';
import { type MemberIds, memberIds } from './member-ids.ts';
import { type RawUser, pageUsers, readUsersRaw } from './raw-user-pages.ts';
import type { SyncCounts, SyncRun } from './sync-run.ts';
import { writeInFlight } from './write-in-flight.ts';

/** A request started ahead of use: if the run fails before awaiting it, its rejection is not "unhandled". */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export async function syncGroups(run: SyncRun, counts: SyncCounts): Promise<number> {
  const { store, poolId, dryRun, sdk, call, now } = run;
  const ts = now();
  const inCognito: { name: string; description: string | null; precedence: number | null }[] = [];
  const listed = new Set<string>();
  let token: string | undefined;
  do {
    const page = await call<{ Groups?: any[]; NextToken?: string }>(
      new sdk.ListGroupsCommand({ UserPoolId: poolId, Limit: 60, ...(token ? { NextToken: token } : {}) }),
    );
    for (const g of page.Groups ?? []) {
      // A group listed again is synced once (a second saveGroup of a new group would conflict).
      if (typeof g.GroupName !== 'string' || listed.has(g.GroupName)) continue;
      listed.add(g.GroupName);
      inCognito.push({
        name: g.GroupName,
        description: g.Description ?? null,
        precedence: g.Precedence ?? null,
      });
    }
    token = page.NextToken || undefined;
  } while (token);
  const local = await store.listGroups(poolId);
  const localByName = new Map(local.map((g) => [g.name, g]));
  // Groups gone from Cognito: their memberships go with them.
  for (const g of local) {
    if (listed.has(g.name)) continue;
    counts.groupsDeleted++;
    const members: number[] = [];
    for (let after = 0; ; ) {
      const page = await store.memberIds(g.id, after, 5000);
      if (page.length === 0) break;
      // Dry run: a swept user's memberships went with it (as in the real run).
      members.push(...page.filter((id) => !run.sweptIds?.has(id)));
      after = page[page.length - 1] as number;
    }
    counts.membershipsRemoved += members.length;
    if (dryRun) continue;
    await store.deleteGroup(g.id);
    await fireMembership(run, members, [], [g.name]);
  }
  const work: { name: string; groupId: number | undefined }[] = [];
  for (const g of inCognito) {
    const existing = localByName.get(g.name);
    if (!existing) counts.groupsCreated++;
    let groupId = existing?.id;
    if (!dryRun) {
      const changed =
        existing && (existing.description !== g.description || existing.precedence !== g.precedence);
      if (!existing || changed) groupId = await store.saveGroup(poolId, g, existing?.id, ts);
    }
    work.push({ name: g.name, groupId });
  }
  run.progress('memberships');
  // A few groups at a time: the admin API's latency, not the database, is the limit here.
  // Dry run: the rows as the real run would have left them are worked out per batch instead.
  const ids = dryRun ? undefined : memberIds(store, poolId, counts.usersSeen);
  // The first failure stops the other groups: none starts, each running one stops at its next
  // page, and the run fails once all have settled (nothing left running behind it).
  let failure: { error: unknown } | undefined;
  const halted = () => failure !== undefined;
  let next = 0;
  const worker = async () => {
    while (next < work.length && !halted()) {
      const item = work[next++] as (typeof work)[number];
      try {
        await syncMembers(run, counts, ids, halted, item.name, item.groupId);
      } catch (error) {
        failure ??= { error };
        return;
      }
      run.progress('memberships');
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.groupConcurrency, work.length) }, worker));
  if (failure) throw failure.error;
  return inCognito.length;
}

/** Memberships added or removed per write (one transaction each). */
const MEMBER_CHUNK = 5000;

/**
 * One group: the members listed by ListUsersInGroup against the stored memberships (MemberDiff,
 * a few bytes per member). New members are added in chunks while the listing goes on; stored
 * members not listed are removed once it is complete.
 */
async function syncMembers(
  run: SyncRun,
  counts: SyncCounts,
  ids: MemberIds | undefined,
  halted: () => boolean,
  name: string,
  groupId: number | undefined,
) {
  const { store, poolId, dryRun, sdk, call, now } = run;
  const diff = await MemberDiff.load(store, groupId);
  const listPage = (
    token: string | undefined,
  ): Promise<{ users: readonly RawUser[]; next: string | undefined }> => {
    const command = new sdk.ListUsersInGroupCommand({
      UserPoolId: poolId,
      GroupName: name,
      Limit: 60,
      ...(token ? { NextToken: token } : {}),
    });
    const raw = readUsersRaw(command);
    return prefetch(
      call<{ Users?: unknown[]; NextToken?: string }>(command).then((page) => ({
        users: pageUsers(raw, page),
        next: page.NextToken || undefined,
      })),
    );
  };
  // Dry run: placeholder ids of users the real run would create (never stored members).
  const planned = dryRun ? new Set<number>() : undefined;
  let added = new Set<number>();
  // New members are not in the diff (it holds stored ones): a member listed again, in this chunk
  // or any written before it, is added, counted and announced once.
  const addedIds = new IdMarks();
  const addListed = (id: number) => {
    if (id < 0) planned?.add(id);
    else if (diff.listed(id) && addedIds.mark(id)) added.add(id);
  };
  // New members are written while the listing goes on.
  const writes = writeInFlight();
  const flushAdded = async () => {
    if (added.size === 0) return;
    const ids = [...added];
    added = new Set();
    counts.membershipsAdded += ids.length;
    if (dryRun || groupId === undefined) return;
    await writes.start(async () => {
      await store.changeMembers(groupId, ids, [], now());
      await fireMembership(run, ids, [name], []);
    });
  };
  // Subs are looked up 500 at a time, not one statement per 60-user page.
  let subs: string[] = [];
  const resolveSubs = async () => {
    if (subs.length === 0) return;
    const batch = subs;
    subs = [];
    // Users created after the ListUsers pass are not in the replica yet: the next run adds them.
    if (ids) {
      for (const id of await ids.resolve(batch)) addListed(id);
      return;
    }
    // Dry run: the rows as the real run would have left them after the users pass (a deleted
    // user seen again is restored; a new one has its placeholder id).
    const found = new Set<string>();
    for (const { user } of await store.findBySubs(poolId, batch)) {
      found.add(user.sub as string);
      if (user.deletedAt === null || run.seenSubs?.has(user.sub as string)) addListed(user.id);
    }
    for (const sub of batch) {
      const id = found.has(sub) ? undefined : run.plannedIds?.get(sub);
      if (id !== undefined) addListed(id);
    }
  };
  try {
    let pending: ReturnType<typeof listPage> | undefined = listPage(undefined);
    while (pending) {
      const page: { users: readonly RawUser[]; next: string | undefined } = await pending;
      // Another group failed: this listing is incomplete, so nothing may be removed.
      if (halted()) throw new Error('stopped: another group failed');
      pending = page.next ? listPage(page.next) : undefined;
      for (const u of page.users) {
        const { sub } = attributesFromList(u.Attributes);
        if (sub) subs.push(sub);
      }
      if (subs.length >= 500) await resolveSubs();
      if (added.size >= MEMBER_CHUNK) await flushAdded();
    }
    await resolveSubs();
    await flushAdded();
  } catch (error) {
    // Nothing left running behind a failed run.
    await writes.settled();
    throw error;
  }
  await writes.done();
  counts.membershipsAdded += planned?.size ?? 0;
  // Only now is "not in the group" known.
  for (const chunk of diff.unseen(MEMBER_CHUNK)) {
    // Dry run: a swept user's memberships went with it (not counted here, as in a real run).
    const removed = run.sweptIds ? chunk.filter((id) => !run.sweptIds?.has(id)) : chunk;
    counts.membershipsRemoved += removed.length;
    if (dryRun || groupId === undefined || removed.length === 0) continue;
    await store.changeMembers(groupId, [], removed, now());
    await fireMembership(run, removed, [], [name]);
  }
}

async function fireMembership(run: SyncRun, userIds: number[], added: string[], removed: string[]) {
  const events = run.events;
  if (!events?.has('groupsChanged') || userIds.length === 0) return;
  for (const id of userIds) {
    const user = await run.store.findById(id);
    if (user) await events.groupsChanged(user, added, removed, 'sync');
  }
}
