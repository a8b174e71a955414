/**
 * Full reconciliation of the replica with a user pool: ListUsers (every page), ListGroups, then
 * ListUsersInGroup per group (far cheaper than one AdminListGroupsForUser per user). Users are
 * applied in batches, one transaction each; users not seen are soft-deleted only after the
 * ListUsers chain completed (mark-and-sweep on `seen_run`, so memory does not grow with the pool).
 */
import { randomUUID } from 'node:crypto';
import { importCognitoSdk } from '../aws/cognito-sdk.ts';
import type { Kysely, Transaction } from 'kysely';
import { CognitoAuthError } from '../errors/errors.ts';
import {
  attributesFromList,
  emailLowerOf,
  emailOf,
  emailVerifiedOf,
  sortAttributes,
  userFingerprint,
} from '../replica/normalize.ts';
import type { Replica, ReplicaEvents, ReplicaUser } from '../replica/types.ts';
import { rowToUser, type UserRow, UserStore } from '../store/kysely/user-store.ts';

/** The slice of the AWS SDK v3 client the sync uses (`CognitoIdentityProviderClient` fits). */
export interface CognitoAdminClient {
  send(command: unknown): Promise<any>;
}

export interface SyncProgress {
  readonly phase: 'users' | 'groups' | 'memberships' | 'sweep' | 'done';
  readonly usersSeen: number;
  readonly groupsSeen: number;
  /**
   * The pool's `EstimatedNumberOfUsers` (DescribeUserPool) at the start; undefined when it could
   * not be read (no `cognito-idp:DescribeUserPool` permission, say). An estimate: `usersSeen`
   * may pass it.
   */
  readonly usersTotal: number | undefined;
  /** Milliseconds since the run started, by the run's clock (`now`). */
  readonly elapsedMs: number;
}

export interface SyncOptions {
  /** The replica (its hooks fire for sync changes too), or a bare `db` (no hooks). */
  readonly replica?: Replica;
  readonly db?: Kysely<any>;
  /** With `db`: the table prefix (default `cognito_`). With `replica`, the replica's. */
  readonly tablePrefix?: string;
  readonly userPoolId: string;
  /** Default: a `CognitoIdentityProviderClient` with the usual credential chain. */
  readonly client?: CognitoAdminClient;
  /** With no `client`: endpoint override (e.g. the emulator's URL) and region (default: from the pool id). */
  readonly endpoint?: string;
  readonly region?: string;
  /** Compute and report the diff, write nothing. Holds the seen subs in memory (about 100 bytes each). */
  readonly dryRun?: boolean;
  /** Users per write transaction. Default 1000. */
  readonly batchSize?: number;
  readonly onProgress?: (progress: SyncProgress) => void;
  /** Plain log lines (no secrets). */
  readonly log?: (line: string) => void;
  /** Attempts per admin call on throttling. Default 8. */
  readonly maxRetries?: number;
  /** Groups whose members are listed at the same time. Default 4 (Cognito's UserList quota is 30 requests/s per account). */
  readonly groupConcurrency?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface SyncReport {
  readonly dryRun: boolean;
  readonly runId: string;
  readonly usersSeen: number;
  readonly created: number;
  readonly updated: number;
  readonly disabled: number;
  readonly enabled: number;
  readonly deleted: number;
  readonly groupsCreated: number;
  readonly groupsDeleted: number;
  readonly membershipsAdded: number;
  readonly membershipsRemoved: number;
  readonly unchanged: number;
  readonly retries: number;
  readonly durationMs: number;
}

interface CognitoUser {
  sub: string;
  username: string | null;
  attributes: Record<string, string>;
  status: string | null;
  enabled: boolean;
}

type Sdk = typeof import('@aws-sdk/client-cognito-identity-provider');

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'InternalErrorException']);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A request started ahead of use: if the run fails before awaiting it, its rejection is not "unhandled". */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

function regionOf(poolId: string): string {
  const i = poolId.indexOf('_');
  return i > 0 ? poolId.slice(0, i) : 'us-east-1';
}

function loadSdk(): Promise<Sdk> {
  return importCognitoSdk('for the sync');
}

/**
 * Reconciles the replica with the pool and reports what changed (or, with `dryRun`, what would).
 * Throws SYNC_FAILED (cause attached) when the admin API or the database fails; a failed run never
 * deletes anything, since the sweep only follows a complete ListUsers chain.
 */
export async function syncPool(options: SyncOptions): Promise<SyncReport> {
  const replica = options.replica;
  const db = replica?.db ?? options.db;
  if (!db) throw new CognitoAuthError('CONFIG_INVALID', 'syncPool needs a replica or a db');
  const store = new UserStore(db, replica?.tablePrefix ?? options.tablePrefix ?? 'cognito_');
  const t = store.t;
  const poolId = options.userPoolId;
  if (!/^[\w-]+_[0-9A-Za-z]+$/.test(poolId))
    throw new CognitoAuthError('CONFIG_INVALID', 'userPoolId is malformed');
  const dryRun = options.dryRun === true;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, 5000));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const maxRetries = options.maxRetries ?? 8;
  const groupConcurrency = Math.max(1, Math.min(options.groupConcurrency ?? 4, 16));
  const log = options.log ?? (() => {});
  const events: ReplicaEvents | undefined = replica?.events;
  const started = now();
  const runId = randomUUID();
  const sdk = await loadSdk();
  const client: CognitoAdminClient =
    options.client ??
    new sdk.CognitoIdentityProviderClient({
      region: options.region ?? regionOf(poolId),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      // Throttling is retried here, with jitter and an injectable sleep.
      maxAttempts: 1,
    });
  const ownClient = options.client === undefined;

  const counts = {
    usersSeen: 0,
    created: 0,
    updated: 0,
    disabled: 0,
    enabled: 0,
    deleted: 0,
    groupsCreated: 0,
    groupsDeleted: 0,
    membershipsAdded: 0,
    membershipsRemoved: 0,
    unchanged: 0,
    retries: 0,
  };
  let groupsSeen = 0;
  let usersTotal: number | undefined;
  const progress = (phase: SyncProgress['phase']) =>
    options.onProgress?.({
      phase,
      usersSeen: counts.usersSeen,
      groupsSeen,
      usersTotal,
      elapsedMs: now() - started,
    });

  async function call<T>(command: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await client.send(command)) as T;
      } catch (error) {
        const name = (error as { name?: string; __type?: string } | null)?.name ?? '';
        if (THROTTLED.has(name) && attempt < maxRetries) {
          counts.retries++;
          // Exponential backoff with full jitter, 100 ms doubling up to 20 s.
          const cap = Math.min(20_000, 100 * 2 ** attempt);
          await sleep(Math.floor(cap / 2 + (random() * cap) / 2));
          continue;
        }
        throw new CognitoAuthError('SYNC_FAILED', `Cognito admin call failed (${name || 'error'})`, {
          cause: error,
        });
      }
    }
  }

  const wantsUserEvents = events !== undefined && (events.has('userCreated') || events.has('userUpdated'));
  const seenSubs = dryRun ? new Set<string>() : undefined;
  // Dry run: what the real run would have written, so its report matches the real run's. Users
  // it would create get placeholder ids (negative: never a row id) to count their memberships;
  // users it would sweep lose their memberships with them, as the real sweep does.
  const plannedIds = dryRun ? new Map<string, number>() : undefined;
  const sweptIds = dryRun ? new Set<number>() : undefined;
  let insertedSinceAnalyze = 0;
  let analyzedAt = 0;

  async function applyUsers(batch: CognitoUser[]): Promise<void> {
    const ts = now();
    const existing = new Map<string, UserRow>();
    for (const part of chunks(
      batch.map((u) => u.sub),
      500,
    )) {
      for (const row of await store.findBySubs(store.db, poolId, part)) existing.set(row.sub as string, row);
    }
    const inserts: Record<string, unknown>[] = [];
    const updates: { row: UserRow; patch: Record<string, unknown> }[] = [];
    for (const u of batch) {
      seenSubs?.add(u.sub);
      const attributes = sortAttributes(u.attributes);
      const fingerprint = userFingerprint({
        username: u.username,
        status: u.status,
        enabled: u.enabled,
        attributes,
      });
      const email = emailOf(attributes);
      const verified = emailVerifiedOf(attributes);
      const fields = {
        username: u.username,
        email,
        email_lower: emailLowerOf(email),
        email_verified: verified === null ? null : verified ? 1 : 0,
        status: u.status,
        enabled: u.enabled ? 1 : 0,
        attributes: JSON.stringify(attributes),
        fingerprint,
      };
      const row = existing.get(u.sub);
      if (!row) {
        counts.created++;
        plannedIds?.set(u.sub, -(plannedIds.size + 1));
        inserts.push({
          pool_id: poolId,
          sub: u.sub,
          ...fields,
          seen_run: runId,
          created_at: ts,
          updated_at: ts,
        });
        continue;
      }
      const wasDeleted = row.deleted_at !== null && row.deleted_at !== undefined;
      if (row.fingerprint === fingerprint && !wasDeleted) {
        counts.unchanged++;
        continue;
      }
      const wasEnabled = Number(row.enabled) === 1;
      if (wasEnabled && !u.enabled) counts.disabled++;
      else if (!wasEnabled && u.enabled) counts.enabled++;
      else counts.updated++;
      updates.push({ row, patch: { ...fields, seen_run: runId, updated_at: ts, deleted_at: null } });
    }
    if (dryRun) return;
    insertedSinceAnalyze += inserts.length;
    await store.transaction(async (trx) => {
      for (const part of chunks(inserts, 250)) {
        await store.insertIgnoreQuery(trx, t.users, part, ['pool_id', 'sub']).execute();
      }
      for (const { row, patch } of updates)
        await trx.updateTable(t.users).set(patch).where('id', '=', row.id).execute();
      // Mark the unchanged ones as seen by this run (one statement per 500).
      const written = new Set<string>([
        ...inserts.map((r) => r.sub as string),
        ...updates.map((x) => x.row.sub as string),
      ]);
      const unchangedSubs = batch.filter((u) => !written.has(u.sub)).map((u) => u.sub);
      for (const part of chunks(unchangedSubs, 500)) {
        await trx
          .updateTable(t.users)
          .set({ seen_run: runId })
          .where('pool_id', '=', poolId)
          .where('sub', 'in', part)
          .execute();
      }
    });
    // Statistics at 1k, 2k, 4k, ... new rows: a handful of cheap ANALYZEs for any pool size.
    if (insertedSinceAnalyze >= Math.max(1000, analyzedAt)) {
      analyzedAt += insertedSinceAnalyze;
      insertedSinceAnalyze = 0;
      await store.analyze();
    }
    if (wantsUserEvents && events) {
      if (events.has('userCreated') && inserts.length > 0) {
        for (const part of chunks(
          inserts.map((r) => r.sub as string),
          500,
        )) {
          for (const row of await store.findBySubs(store.db, poolId, part))
            await events.userCreated(rowToUser(row), 'sync');
        }
      }
      if (events.has('userUpdated')) {
        for (const { row } of updates) {
          const fresh = await store.findById(store.db, Number(row.id));
          if (fresh) await events.userUpdated(rowToUser(fresh), rowToUser(row), 'sync');
        }
      }
    }
  }

  try {
    // 0. The pool's size, for a progress bar with a total (best effort: an estimate, and it needs
    // its own IAM permission).
    if (options.onProgress !== undefined) {
      try {
        const described = (await client.send(new sdk.DescribeUserPoolCommand({ UserPoolId: poolId }))) as {
          UserPool?: { EstimatedNumberOfUsers?: unknown };
        };
        const n = described?.UserPool?.EstimatedNumberOfUsers;
        if (typeof n === 'number' && Number.isInteger(n) && n >= 0) usersTotal = n;
      } catch {
        // No total: the bar shows a count only.
      }
    }
    // 1. Users.
    progress('users');
    // Producer/consumer: pages keep arriving while a batch is written; the queue holds at most
    // two batches, so memory stays bounded whatever the pool size.
    const queue: CognitoUser[][] = [];
    let queued = 0;
    let listingDone = false;
    let listingError: unknown;
    let stopped = false;
    let wake: (() => void) | undefined;
    let resume: (() => void) | undefined;
    const signal = () => {
      wake?.();
      wake = undefined;
    };
    const producer = (async () => {
      try {
        let token: string | undefined;
        do {
          while (queued >= batchSize * 2 && !stopped) await new Promise<void>((r) => (resume = r));
          if (stopped) return;
          const page = await call<{ Users?: any[]; PaginationToken?: string }>(
            new sdk.ListUsersCommand({
              UserPoolId: poolId,
              Limit: 60,
              ...(token ? { PaginationToken: token } : {}),
            }),
          );
          const users: CognitoUser[] = [];
          for (const u of page.Users ?? []) {
            const { sub, attributes } = attributesFromList(u.Attributes);
            if (!sub) continue;
            users.push({
              sub,
              username: u.Username ?? null,
              attributes,
              status: u.UserStatus ?? null,
              enabled: u.Enabled !== false,
            });
          }
          counts.usersSeen += users.length;
          queue.push(users);
          queued += users.length;
          signal();
          token = page.PaginationToken || undefined;
        } while (token);
      } catch (error) {
        listingError = error;
      } finally {
        listingDone = true;
        signal();
      }
    })();
    let buffer: CognitoUser[] = [];
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          queued -= next.length;
          resume?.();
          resume = undefined;
          buffer.push(...next);
          if (buffer.length >= batchSize) {
            await applyUsers(buffer);
            buffer = [];
            progress('users');
          }
          continue;
        }
        if (listingDone) break;
        await new Promise<void>((r) => (wake = r));
      }
    } catch (error) {
      // A failed write stops the listing too.
      stopped = true;
      resume?.();
      await producer;
      throw error;
    }
    await producer;
    // An incomplete chain must not reach the sweep.
    if (listingError !== undefined) throw listingError;
    if (buffer.length > 0) await applyUsers(buffer);
    progress('users');
    log(`users: ${counts.usersSeen} seen, ${counts.created} new, ${counts.updated} changed`);

    // 2. Sweep: only now is "not in Cognito" known.
    progress('sweep');
    await sweepUsers();

    // 3. Groups and memberships.
    progress('groups');
    await syncGroups();
    progress('done');
  } catch (error) {
    if (error instanceof CognitoAuthError && error.code === 'SYNC_FAILED') throw error;
    throw new CognitoAuthError('SYNC_FAILED', 'sync failed', { cause: error });
  } finally {
    if (ownClient) (client as { destroy?: () => void }).destroy?.();
  }
  replica?.clearCache();
  const report: SyncReport = Object.freeze({ dryRun, runId, ...counts, durationMs: now() - started });
  log(
    `sync ${dryRun ? '(dry run) ' : ''}done: ${report.created} created, ${report.updated} updated, ${report.disabled} disabled, ${report.enabled} enabled, ${report.deleted} deleted, groups +${report.groupsCreated} -${report.groupsDeleted}, memberships +${report.membershipsAdded} -${report.membershipsRemoved}`,
  );
  return report;

  async function sweepUsers(): Promise<void> {
    let afterId = 0;
    for (;;) {
      let q = store.db
        .selectFrom(t.users)
        .selectAll()
        .where('pool_id', '=', poolId)
        .where('deleted_at', 'is', null)
        .where('sub', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(1000);
      if (!dryRun) q = q.where((eb) => eb.or([eb('seen_run', 'is', null), eb('seen_run', '<>', runId)]));
      const rows = (await q.execute()) as UserRow[];
      if (rows.length === 0) return;
      afterId = Number(rows[rows.length - 1]?.id);
      const gone = dryRun ? rows.filter((r) => !seenSubs?.has(r.sub as string)) : rows;
      counts.deleted += gone.length;
      for (const r of gone) sweptIds?.add(Number(r.id));
      if (dryRun || gone.length === 0) continue;
      const ts = now();
      const ids = gone.map((r) => Number(r.id));
      await store.transaction(async (trx) => {
        await trx
          .updateTable(t.users)
          .set({ deleted_at: ts, updated_at: ts })
          .where('id', 'in', ids)
          .execute();
        await trx.deleteFrom(t.userGroups).where('user_id', 'in', ids).execute();
      });
      if (events?.has('userDeleted')) {
        for (const r of gone)
          await events.userDeleted(rowToUser({ ...r, deleted_at: ts, updated_at: ts }), 'sync');
      }
    }
  }

  async function syncGroups(): Promise<void> {
    const ts = now();
    const inCognito: { name: string; description: string | null; precedence: number | null }[] = [];
    let token: string | undefined;
    do {
      const page = await call<{ Groups?: any[]; NextToken?: string }>(
        new sdk.ListGroupsCommand({ UserPoolId: poolId, Limit: 60, ...(token ? { NextToken: token } : {}) }),
      );
      for (const g of page.Groups ?? []) {
        if (typeof g.GroupName !== 'string') continue;
        inCognito.push({
          name: g.GroupName,
          description: g.Description ?? null,
          precedence: g.Precedence ?? null,
        });
      }
      token = page.NextToken || undefined;
    } while (token);
    groupsSeen = inCognito.length;
    const local = await store.db
      .selectFrom(t.groups)
      .select(['id', 'name', 'description', 'precedence'])
      .where('pool_id', '=', poolId)
      .execute();
    const localByName = new Map(local.map((g) => [String(g.name), g]));
    const names = new Set(inCognito.map((g) => g.name));
    // Groups gone from Cognito: their memberships go with them.
    for (const g of local) {
      if (names.has(String(g.name))) continue;
      counts.groupsDeleted++;
      const members = (
        await store.db.selectFrom(t.userGroups).select(['user_id']).where('group_id', '=', g.id).execute()
      ).filter((m) => !sweptIds?.has(Number(m.user_id)));
      counts.membershipsRemoved += members.length;
      if (dryRun) continue;
      await store.transaction(async (trx) => {
        await trx.deleteFrom(t.userGroups).where('group_id', '=', g.id).execute();
        await trx.deleteFrom(t.groups).where('id', '=', g.id).execute();
      });
      await fireMembership(
        members.map((m) => Number(m.user_id)),
        [],
        [String(g.name)],
      );
    }
    const work: { name: string; groupId: number | undefined }[] = [];
    for (const g of inCognito) {
      const existing = localByName.get(g.name);
      if (!existing) counts.groupsCreated++;
      let groupId: number | undefined;
      if (!dryRun) {
        if (!existing) {
          await store
            .insertIgnoreQuery(
              store.db,
              t.groups,
              [
                {
                  pool_id: poolId,
                  name: g.name,
                  description: g.description,
                  precedence: g.precedence,
                  created_at: ts,
                  updated_at: ts,
                },
              ],
              ['pool_id', 'name'],
            )
            .execute();
        } else if (
          (existing.description ?? null) !== g.description ||
          (existing.precedence === null ? null : Number(existing.precedence)) !== g.precedence
        ) {
          await store.db
            .updateTable(t.groups)
            .set({ description: g.description, precedence: g.precedence, updated_at: ts })
            .where('id', '=', existing.id)
            .execute();
        }
        const row = await store.db
          .selectFrom(t.groups)
          .select(['id'])
          .where('pool_id', '=', poolId)
          .where('name', '=', g.name)
          .executeTakeFirst();
        groupId = row ? Number(row.id) : undefined;
      } else if (existing) groupId = Number(existing.id);
      work.push({ name: g.name, groupId });
    }
    progress('memberships');
    // A few groups at a time: the admin API's latency, not the database, is the limit here.
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const item = work[next++] as (typeof work)[number];
        await syncMembers(item.name, item.groupId);
        progress('memberships');
      }
    };
    await Promise.all(Array.from({ length: Math.min(groupConcurrency, work.length) }, worker));
  }

  /** One group: the member set from ListUsersInGroup against the local memberships. */
  async function syncMembers(name: string, groupId: number | undefined): Promise<void> {
    const members = new Set<number>();
    const listPage = (token: string | undefined) =>
      prefetch(
        call<{ Users?: any[]; NextToken?: string }>(
          new sdk.ListUsersInGroupCommand({
            UserPoolId: poolId,
            GroupName: name,
            Limit: 60,
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
    let pending: Promise<{ Users?: any[]; NextToken?: string }> | undefined = listPage(undefined);
    while (pending) {
      const page: { Users?: any[]; NextToken?: string } = await pending;
      pending = page.NextToken ? listPage(page.NextToken) : undefined;
      const subs: string[] = [];
      for (const u of page.Users ?? []) {
        const { sub } = attributesFromList(u.Attributes);
        if (sub) subs.push(sub);
      }
      // Users created after the ListUsers pass are not in the replica yet: the next run adds them.
      if (!dryRun) {
        for (const row of await store.idsBySubs(store.db, poolId, subs)) {
          if (row.deleted_at === null || row.deleted_at === undefined) members.add(Number(row.id));
        }
        continue;
      }
      // Dry run: the rows as the real run would have left them after the users pass (a deleted
      // user seen again is restored; a new one has its placeholder id).
      const found = new Set<string>();
      for (const row of await store.findBySubs(store.db, poolId, subs)) {
        found.add(row.sub as string);
        const live = row.deleted_at === null || row.deleted_at === undefined;
        if (live || seenSubs?.has(row.sub as string)) members.add(Number(row.id));
      }
      for (const sub of subs) {
        const planned = found.has(sub) ? undefined : plannedIds?.get(sub);
        if (planned !== undefined) members.add(planned);
      }
    }
    const have = new Set<number>();
    const removed: number[] = [];
    if (groupId !== undefined) {
      let after = 0;
      for (;;) {
        const rows = await store.db
          .selectFrom(t.userGroups)
          .select(['user_id'])
          .where('group_id', '=', groupId)
          .where('user_id', '>', after)
          .orderBy('user_id')
          .limit(5000)
          .execute();
        if (rows.length === 0) break;
        for (const r of rows) {
          const id = Number(r.user_id);
          if (members.has(id)) have.add(id);
          // Dry run: a swept user's memberships went with it (not counted here, as in a real run).
          else if (!sweptIds?.has(id)) removed.push(id);
        }
        after = Number(rows[rows.length - 1]?.user_id);
      }
    }
    const added = [...members].filter((id) => !have.has(id));
    counts.membershipsAdded += added.length;
    counts.membershipsRemoved += removed.length;
    if (dryRun || groupId === undefined || (added.length === 0 && removed.length === 0)) return;
    const ts = now();
    const gid = groupId;
    await store.transaction(async (trx: Transaction<any>) => {
      for (const part of chunks(removed, 500)) {
        await trx.deleteFrom(t.userGroups).where('group_id', '=', gid).where('user_id', 'in', part).execute();
      }
      for (const part of chunks(added, 500)) {
        await store
          .insertIgnoreQuery(
            trx,
            t.userGroups,
            part.map((id) => ({ user_id: id, group_id: gid, created_at: ts })),
            ['user_id', 'group_id'],
          )
          .execute();
      }
    });
    await fireMembership(added, [name], []);
    await fireMembership(removed, [], [name]);
  }

  async function fireMembership(userIds: number[], added: string[], removed: string[]): Promise<void> {
    if (!events?.has('groupsChanged') || userIds.length === 0) return;
    for (const id of userIds) {
      const row = await store.findById(store.db, id);
      if (row) await events.groupsChanged(rowToUser(row) as ReplicaUser, added, removed, 'sync');
    }
  }
}
