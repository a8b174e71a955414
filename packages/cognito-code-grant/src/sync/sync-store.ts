/**
 * The sync's storage port: the bulk reads and writes of a full reconciliation (batches of
 * users, keyset pages, set-wise membership changes). `cognito-code-grant/kysely` implements it
 * (store/kysely/sync-store.ts). Failures reject with the driver's error; the sync wraps them in
 * SYNC_FAILED.
 */
import type { ReplicaGroup, ReplicaUser } from '../replica/types.ts';
import type { UserFields } from '../replica/user-store.ts';

/** A user as the diff needs it. */
export interface SyncedUser {
  readonly user: ReplicaUser;
  readonly fingerprint: string | null;
  /** The last sync run that saw the user (`seen_run`); the run's own id once a batch wrote it. */
  readonly seenRun?: string | null;
}

export interface UserBatch {
  /** New users (a racing insert of the same sub is overwritten with these fields). */
  readonly inserts: readonly { readonly sub: string; readonly fields: UserFields }[];
  /** Changed users (`sub` = the row's sub): their fields replaced, undeleted. */
  readonly updates: readonly { readonly id: number; readonly sub: string; readonly fields: UserFields }[];
  /** Unchanged users, only marked as seen by this run. */
  readonly unchanged: readonly string[];
}

/**
 * The users a sweep may soft-delete: live ones with a sub, created before the run started, and
 * (when `runId` is set) seen by neither this run nor a run started after it (`seen_run < runId`:
 * run ids are ordered by their start, run-id.ts).
 */
export interface SweepScope {
  readonly runId?: string | undefined;
  /** The run's start (epoch ms): a row created since, by a first login say, waits for the next run. */
  readonly createdBefore: number;
}

export interface SyncStore {
  /** The users of `subs` (at most a few hundred) that exist in the pool. */
  findBySubs(poolId: string, subs: readonly string[]): Promise<SyncedUser[]>;
  findById(id: number): Promise<ReplicaUser | null>;
  /**
   * Atomic: one batch written and marked as seen by `runId`, or nothing. A mark never moves to an
   * earlier run: a row a later run has marked keeps that run's id.
   */
  writeUsers(poolId: string, runId: string, batch: UserBatch, now: number): Promise<void>;
  /** After many inserts: lets the database refresh its planner statistics (a no-op where none). */
  refreshStatistics(): Promise<void>;
  /**
   * A keyset page (ids above `afterId`, ascending) of the live users with a sub in `scope` (with
   * `scope` undefined: all of them).
   */
  unseenUsers(
    poolId: string,
    scope: SweepScope | undefined,
    afterId: number,
    limit: number,
  ): Promise<ReplicaUser[]>;
  /**
   * How many live users with a sub are in `scope` (with `scope` undefined: all of them); the
   * mass-delete guard compares the two.
   */
  countUnseenUsers(poolId: string, scope: SweepScope | undefined): Promise<number>;
  /** Atomic: the users soft-deleted and their memberships removed together. */
  softDeleteUsers(ids: readonly number[], now: number): Promise<void>;
  listGroups(poolId: string): Promise<ReplicaGroup[]>;
  /** Atomic: the group and its memberships go together. */
  deleteGroup(groupId: number): Promise<void>;
  /** Creates the group (a racing create is ignored) or updates it; resolves to its id. */
  saveGroup(
    poolId: string,
    group: { name: string; description: string | null; precedence: number | null },
    existingId: number | undefined,
    now: number,
  ): Promise<number | undefined>;
  /** Ids (and deletion times) of the users of `subs` that exist in the pool. */
  idsBySubs(poolId: string, subs: readonly string[]): Promise<{ id: number; deletedAt: number | null }[]>;
  /**
   * A keyset page (ids above `afterId`, ascending) of the id and sub of the pool's live users with
   * a sub (the memberships pass reads them once into memory: member-ids.ts).
   */
  liveUserIds(poolId: string, afterId: number, limit: number): Promise<{ id: number; sub: string }[]>;
  /** A keyset page of a group's member ids, above `afterUserId`, ascending. */
  memberIds(groupId: number, afterUserId: number, limit: number): Promise<number[]>;
  /** Atomic: memberships added and removed together. */
  changeMembers(
    groupId: number,
    added: readonly number[],
    removed: readonly number[],
    now: number,
  ): Promise<void>;
}
