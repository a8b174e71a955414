/**
 * Full reconciliation of the replica with a user pool: ListUsers (every page), ListGroups, then
 * ListUsersInGroup per group (far cheaper than one AdminListGroupsForUser per user). Users are
 * applied in batches, one transaction each; users not seen are soft-deleted only after the
 * ListUsers chain completed (mark-and-sweep on `seen_run`, so memory does not grow with the pool).
 * This file walks the admin API and runs the passes (sync-users.ts, sync-groups.ts); the SQL is
 * in store/kysely/sync-store.ts.
 */
import type { Kysely } from 'kysely';
import { importCognitoSdk } from '../aws/cognito-sdk.ts';
import { CognitoAuthError } from '../errors/errors.ts';
import { attributesFromList } from '../replica/normalize.ts';
import type { KyselyReplica } from '../store/kysely/replica.ts';
import type { SyncStore } from './sync-store.ts';
import { checkMassDelete, massDeleteLimit } from './mass-delete-guard.ts';
import { pageUsers, readUsersRaw } from './raw-user-pages.ts';
import { syncRunId } from './run-id.ts';
import { syncGroups } from './sync-groups.ts';
import type { SyncCounts, SyncRun } from './sync-run.ts';
import { type CognitoUser, createUserWriter } from './sync-users.ts';
import type { WriteInFlight } from './write-in-flight.ts';

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
  readonly replica?: KyselyReplica;
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
  /**
   * The mass-delete guard: a run that would soft-delete more than this share (0 to 1) of the users
   * the replica knew, and more than 10 users, refuses with SYNC_FAILED and deletes nothing (a wrong
   * pool id or a filtering IAM policy looks like a pool whose users were deleted). Default 0.5.
   */
  readonly maxDeleteRatio?: number;
  /** The loss is real: sweep whatever the run did not see, with no limit (CLI `--allow-mass-delete`). */
  readonly allowMassDelete?: boolean;
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

type Sdk = typeof import('@aws-sdk/client-cognito-identity-provider');

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'InternalErrorException']);

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
export async function reconcilePool(options: SyncOptions, store: SyncStore): Promise<SyncReport> {
  const replica = options.replica;
  const poolId = options.userPoolId;
  if (!/^[\w-]+_[0-9A-Za-z]+$/.test(poolId))
    throw new CognitoAuthError('CONFIG_INVALID', 'userPoolId is malformed');
  const dryRun = options.dryRun === true;
  const deleteLimit = massDeleteLimit(options);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, 5000));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const maxRetries = options.maxRetries ?? 8;
  const log = options.log ?? (() => {});
  const started = now();
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

  const counts: SyncCounts = {
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

  const run: SyncRun = {
    store,
    poolId,
    runId: syncRunId(started),
    startedAt: started,
    dryRun,
    events: replica?.events,
    now,
    call,
    sdk,
    groupConcurrency: Math.max(1, Math.min(options.groupConcurrency ?? 4, 16)),
    progress: (phase) =>
      options.onProgress?.({
        phase,
        usersSeen: counts.usersSeen,
        groupsSeen,
        usersTotal,
        elapsedMs: now() - started,
      }),
    // Dry run: what the real run would have written, so its report matches the real run's. Users
    // it would create get placeholder ids (negative: never a row id) to count their memberships;
    // users it would sweep lose their memberships with them, as the real sweep does.
    seenSubs: dryRun ? new Set<string>() : undefined,
    plannedIds: dryRun ? new Map<string, number>() : undefined,
    sweptIds: dryRun ? new Set<number>() : undefined,
  };
  const users = createUserWriter(run, counts);

  try {
    // 0. The pool's size, for a progress bar with a total (best effort: an estimate, and it needs
    // its own IAM permission).
    if (options.onProgress !== undefined) usersTotal = await estimatedUsers(client, sdk, poolId);
    // 1. Users (the live users known before, for the mass-delete guard).
    const known = await store.countUnseenUsers(poolId, undefined);
    run.progress('users');
    await listAndApplyUsers(run, counts, batchSize, users);
    log(`users: ${counts.usersSeen} seen, ${counts.created} new, ${counts.updated} changed`);

    // 2. Sweep: only now is "not in Cognito" known.
    run.progress('sweep');
    await users.sweep((toDelete) =>
      checkMassDelete(deleteLimit, { toDelete, known, usersSeen: counts.usersSeen }),
    );

    // 3. Groups and memberships.
    run.progress('groups');
    groupsSeen = await syncGroups(run, counts);
    run.progress('done');
  } catch (error) {
    if (error instanceof CognitoAuthError && error.code === 'SYNC_FAILED') throw error;
    throw new CognitoAuthError('SYNC_FAILED', 'sync failed', { cause: error });
  } finally {
    if (ownClient) (client as { destroy?: () => void }).destroy?.();
  }
  replica?.clearCache();
  const report: SyncReport = Object.freeze({
    dryRun,
    runId: run.runId,
    ...counts,
    durationMs: now() - started,
  });
  log(
    `sync ${dryRun ? '(dry run) ' : ''}done: ${report.created} created, ${report.updated} updated, ${report.disabled} disabled, ${report.enabled} enabled, ${report.deleted} deleted, groups +${report.groupsCreated} -${report.groupsDeleted}, memberships +${report.membershipsAdded} -${report.membershipsRemoved}`,
  );
  return report;
}

async function estimatedUsers(
  client: CognitoAdminClient,
  sdk: Sdk,
  poolId: string,
): Promise<number | undefined> {
  try {
    const described = (await client.send(new sdk.DescribeUserPoolCommand({ UserPoolId: poolId }))) as {
      UserPool?: { EstimatedNumberOfUsers?: unknown };
    };
    const n = described?.UserPool?.EstimatedNumberOfUsers;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  } catch {
    // No total: the bar shows a count only.
  }
  return undefined;
}

/**
 * Producer/consumer: pages keep arriving while a batch is written; the queue holds at most two
 * batches (and one more is being written), so memory stays bounded whatever the pool size. A
 * failed write stops the listing; an incomplete chain throws (it must not reach the sweep).
 */
async function listAndApplyUsers(
  run: SyncRun,
  counts: SyncCounts,
  batchSize: number,
  writer: { applyUsers(batch: CognitoUser[]): Promise<void>; readonly writes: WriteInFlight },
): Promise<void> {
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
        const command = new run.sdk.ListUsersCommand({
          UserPoolId: run.poolId,
          Limit: 60,
          ...(token ? { PaginationToken: token } : {}),
        });
        const raw = readUsersRaw(command);
        const page = await run.call<{ Users?: unknown[]; PaginationToken?: string }>(command);
        const users: CognitoUser[] = [];
        for (const u of pageUsers(raw, page)) {
          const { sub, attributes } = attributesFromList(u.Attributes);
          if (!sub) continue;
          users.push({
            sub,
            username: typeof u.Username === 'string' ? u.Username : null,
            attributes,
            status: typeof u.UserStatus === 'string' ? u.UserStatus : null,
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
          await writer.applyUsers(buffer);
          buffer = [];
          run.progress('users');
        }
        continue;
      }
      if (listingDone) break;
      await new Promise<void>((r) => (wake = r));
    }
  } catch (error) {
    stopped = true;
    resume?.();
    await producer;
    await writer.writes.settled();
    throw error;
  }
  await producer;
  if (listingError !== undefined) {
    await writer.writes.settled();
    throw listingError;
  }
  if (buffer.length > 0) await writer.applyUsers(buffer);
  await writer.writes.done();
  run.progress('users');
}
