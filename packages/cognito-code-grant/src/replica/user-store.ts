/**
 * The replica's storage port: what the policy in replica.ts needs of a store, with the
 * atomicity each call must give. `cognito-code-grant/kysely` implements it over SQL
 * (store/kysely/user-store.ts), store/memory/user-store.ts in memory (tests, single-process
 * tools). Every method fails with a `STORE_FAILED` CognitoAuthError when the store does; an
 * error thrown by a caller's `decide` passes through unchanged, with nothing written.
 */
import type { ReplicaGroup, ReplicaUser } from './types.ts';

/** A user as stored: the public user, its group names (sorted) and its fields' fingerprint. */
export interface StoredUser {
  readonly user: ReplicaUser;
  readonly groups: readonly string[];
  /** Null for a skeleton row that `insertIfMissing` created and no update has filled in yet. */
  readonly fingerprint: string | null;
}

/** The user fields a write sets, computed once by `userFields()` (user-fields.ts). */
export interface UserFields {
  readonly username: string | null;
  readonly email: string | null;
  /** Lower-cased e-mail for case-insensitive lookup; null when longer than 320 characters. */
  readonly emailLower: string | null;
  readonly emailVerified: boolean | null;
  readonly status: string | null;
  readonly enabled: boolean;
  /** Sorted by name. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly fingerprint: string;
}

/** One update of a user, as `decide` returns it. Absent parts stay as they are. */
export interface UserUpdate {
  /** New fields; `updatedAt` becomes the update's time. */
  readonly fields?: UserFields;
  /** With `fields`: clear `deletedAt`. */
  readonly undelete?: boolean;
  readonly lastLoginAt?: number;
  readonly lastSeenAt?: number | null;
  /** The complete membership set (names, sorted); missing groups are created. */
  readonly groups?: readonly string[];
}

export interface UpdateOutcome {
  /** The user as read under the lock, before the update. */
  readonly before: StoredUser;
  /** The user after the update (`before` when `decide` returned null). */
  readonly after: StoredUser;
  readonly groupsAdded: readonly string[];
  readonly groupsRemoved: readonly string[];
}

export interface UserStore {
  /** The user of pool + sub with its groups, or null. A plain read (no lock). */
  find(poolId: string, sub: string): Promise<StoredUser | null>;
  findById(id: number): Promise<ReplicaUser | null>;
  /** Group names of a user, sorted by code unit. */
  groupsOf(userId: number): Promise<string[]>;
  /** Users (not deleted) in a group, ordered by id, after `afterId`, at most `limit`. */
  listUsersInGroup(
    poolId: string,
    name: string,
    page: { limit: number; afterId: number },
  ): Promise<ReplicaUser[]>;
  /** Groups of a pool, ordered by name. */
  listGroups(poolId: string): Promise<ReplicaGroup[]>;
  /**
   * Afterwards a row for pool + sub exists: a new one is a skeleton (no fields, fingerprint
   * null, enabled). Racing calls, in this process or others, create exactly one row.
   */
  insertIfMissing(poolId: string, sub: string, now: number): Promise<void>;
  /**
   * Atomic read-decide-write of one user: holding the user's lock (no other `update`,
   * `softDelete` or membership change of that user runs meanwhile, in any process), reads it,
   * calls `decide`, writes what it returns (fields, memberships, missing groups) and commits;
   * nothing is written when `decide` returns null or throws. `decide` may run more than once
   * (a deadlock is retried): it must not have side effects. Null when the user does not exist.
   */
  update(
    poolId: string,
    sub: string,
    decide: (current: StoredUser) => UserUpdate | null,
    now: number,
  ): Promise<UpdateOutcome | null>;
  /**
   * Atomic: sets `deletedAt` and removes every membership together. `changed` is false when
   * the user was already deleted. Null when the user does not exist.
   */
  softDelete(
    poolId: string,
    sub: string,
    now: number,
  ): Promise<{ user: ReplicaUser; changed: boolean } | null>;
  /**
   * Gives `sub` to the one local row of the pool (no sub, not deleted) whose lower-cased
   * e-mail is `emailLower`. Two candidates link nothing. True when a row was linked; a row
   * linked by someone else meanwhile is never re-linked.
   */
  linkByEmail(poolId: string, sub: string, emailLower: string, now: number): Promise<boolean>;
  /** Sets `lastSeenAt` of one user (no other field changes). */
  touchLastSeen(userId: number, at: number): Promise<void>;
  /** Creates the group, or updates the given description / precedence. */
  upsertGroup(
    poolId: string,
    group: { name: string; description?: string | null; precedence?: number | null },
    now: number,
  ): Promise<void>;
  /**
   * Atomic: the group and all its memberships go together. Resolves to its former members
   * (only when `withMembers`, else an empty list), or null when there was no such group.
   */
  deleteGroup(poolId: string, name: string, withMembers: boolean): Promise<ReplicaUser[] | null>;
  /**
   * Atomic claim of a webhook event id: exactly one caller gets `new`; others get `duplicate`
   * (same body hash) or `conflict` (another body).
   */
  claimWebhookEvent(
    eventId: string,
    bodyHash: string,
    triggerSource: string,
    now: number,
  ): Promise<'new' | 'duplicate' | 'conflict'>;
  /** Forgets a claim (its application failed), so a retry is `new` again. */
  releaseWebhookEvent(eventId: string): Promise<void>;
  /** Forgets claims received before `olderThanMs`; resolves to how many. */
  pruneWebhookEvents(olderThanMs: number): Promise<number>;
}
