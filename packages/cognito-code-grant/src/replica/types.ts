/** Public shapes of the user and group replica. */
import type { Principal, PrincipalHook } from '../principal/principal.ts';

/** Cognito `UserStatusType`, legacy values included. */
export type UserStatus =
  | 'UNCONFIRMED'
  | 'CONFIRMED'
  | 'RESET_REQUIRED'
  | 'FORCE_CHANGE_PASSWORD'
  | 'EXTERNAL_PROVIDER'
  | 'ARCHIVED'
  | 'COMPROMISED'
  | 'UNKNOWN';

export interface ReplicaUser {
  /** Internal id: the foreign-key target for the app's own tables. */
  readonly id: number;
  readonly poolId: string;
  /** Null only for a local row created by the app and not linked yet. */
  readonly sub: string | null;
  readonly username: string | null;
  /** As Cognito gave it (case preserved). */
  readonly email: string | null;
  readonly emailVerified: boolean | null;
  readonly status: string | null;
  readonly enabled: boolean;
  /** Cognito attributes, string-valued as the admin API returns them. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastLoginAt: number | null;
  readonly lastSeenAt: number | null;
  readonly deletedAt: number | null;
}

export interface ReplicaGroup {
  readonly id: number;
  readonly poolId: string;
  readonly name: string;
  readonly description: string | null;
  readonly precedence: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Where a change came from. */
export type ReplicaSource = 'login' | 'bearer' | 'session' | 'webhook' | 'sync';

export interface UserEvent {
  readonly user: ReplicaUser;
  readonly source: ReplicaSource;
}

export interface UserUpdatedEvent extends UserEvent {
  /** The user before the change. */
  readonly previous: ReplicaUser;
}

export interface GroupsChangedEvent extends UserEvent {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The app's business logic, called after the write has committed (never inside the
 * transaction). A hook that throws is reported to `onHookError` and does not undo the write.
 */
export interface ReplicaHooks {
  userCreated?(event: UserEvent): void | Promise<void>;
  userUpdated?(event: UserUpdatedEvent): void | Promise<void>;
  groupsChanged?(event: GroupsChangedEvent): void | Promise<void>;
  userDeleted?(event: UserEvent): void | Promise<void>;
}

/** The desired state of one user, from a trigger event or the admin API. */
export interface UserState {
  readonly poolId: string;
  readonly sub: string;
  readonly username: string | null;
  /** Full attribute set (replaces); `email` / `email_verified` are read from it. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly status?: string | null | undefined;
  readonly enabled?: boolean | undefined;
  /** Full membership set (replaces); undefined leaves memberships alone. */
  readonly groups?: readonly string[] | undefined;
  /** Set `last_login_at`. */
  readonly login?: boolean | undefined;
}

export interface ApplyResult {
  readonly user: ReplicaUser;
  readonly created: boolean;
  readonly updated: boolean;
  readonly groupsAdded: readonly string[];
  readonly groupsRemoved: readonly string[];
}

export interface Replica {
  readonly poolId: string | undefined;
  /**
   * Upserts the principal's user (pool + sub) when its claims changed, replaces its memberships
   * with the token's groups, and returns the principal with `replicaUserId`. Throws USER_DISABLED
   * or USER_DELETED for a refused replica user. Machine principals pass through untouched.
   */
  syncFromPrincipal(principal: Principal, trigger: 'login' | 'bearer' | 'session'): Promise<Principal>;
  /** The same as a PrincipalHook for the authenticators and the callback. */
  hook(): PrincipalHook;
  /** Applies a full user state (webhook, sync). Disabled and deleted users are updated, not refused. */
  applyUserState(state: UserState, source: ReplicaSource): Promise<ApplyResult>;
  /** Soft-deletes a user (sets deleted_at, drops memberships). Returns the user or null if unknown. */
  deleteUser(poolId: string, sub: string, source: ReplicaSource): Promise<ReplicaUser | null>;
  /** Sets `enabled`. Returns the user or null if unknown. */
  setEnabled(
    poolId: string,
    sub: string,
    enabled: boolean,
    source: ReplicaSource,
  ): Promise<ReplicaUser | null>;
  /** Adds or updates a group by name. */
  upsertGroup(
    poolId: string,
    group: { name: string; description?: string | null; precedence?: number | null },
  ): Promise<void>;
  /** Deletes a group and its memberships. */
  deleteGroup(poolId: string, name: string, source: ReplicaSource): Promise<boolean>;
  /** Adds or removes one membership (the user is looked up by sub). */
  changeMembership(
    poolId: string,
    sub: string,
    group: string,
    member: boolean,
    source: ReplicaSource,
  ): Promise<void>;
  getUserBySub(sub: string, poolId?: string): Promise<ReplicaUser | null>;
  getUserById(id: number): Promise<ReplicaUser | null>;
  /** Group names of a user, sorted. */
  getUserGroups(userId: number): Promise<string[]>;
  /** Users (not deleted) in a group, ordered by id. */
  listUsersInGroup(
    name: string,
    options?: { poolId?: string; limit?: number; afterId?: number },
  ): Promise<ReplicaUser[]>;
  listGroups(poolId?: string): Promise<ReplicaGroup[]>;
  /**
   * Claims a webhook event id for idempotence: `new` (first delivery), `duplicate` (same id, same
   * body hash: a retry) or `conflict` (same id, other body: a replay attempt).
   */
  claimWebhookEvent(
    eventId: string,
    bodyHash: string,
    triggerSource: string,
  ): Promise<'new' | 'duplicate' | 'conflict'>;
  /** Releases a claim whose application failed, so Cognito's retry can apply it. */
  releaseWebhookEvent(eventId: string): Promise<void>;
  /** Deletes remembered webhook ids older than `olderThanMs` (epoch ms); returns how many. */
  pruneWebhookEvents(olderThanMs: number): Promise<number>;
  /** Forgets cached fingerprints (tests, or after out-of-band edits). */
  clearCache(): void;
  /** Hook dispatch, shared with the sync. */
  readonly events: ReplicaEvents;
}

/** Internal: hook dispatch after commit. */
export interface ReplicaEvents {
  userCreated(user: ReplicaUser, source: ReplicaSource): Promise<void>;
  userUpdated(user: ReplicaUser, previous: ReplicaUser, source: ReplicaSource): Promise<void>;
  groupsChanged(
    user: ReplicaUser,
    added: readonly string[],
    removed: readonly string[],
    source: ReplicaSource,
  ): Promise<void>;
  userDeleted(user: ReplicaUser, source: ReplicaSource): Promise<void>;
  readonly has: (name: keyof ReplicaHooks) => boolean;
}
