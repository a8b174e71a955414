/**
 * The replica's one write path: insert a skeleton row if missing, then re-check and write under
 * the user's lock, and announce what changed. Shared by the token path and the full user states
 * (trigger events, sync).
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { sameList, userFingerprint } from './normalize.ts';
import type { createReplicaEvents } from './replica-events.ts';
import type { createSteadyCache } from './steady-cache.ts';
import type { ApplyResult, ReplicaSource, ReplicaUser } from './types.ts';
import { userFields } from './user-fields.ts';
import type { StoredUser, UserStore, UserUpdate } from './user-store.ts';

/** What the replica's paths share: the store port, the clock, the steady cache and the hooks. */
export interface ReplicaCore {
  readonly store: UserStore;
  readonly now: () => number;
  readonly cache: ReturnType<typeof createSteadyCache>;
  readonly events: ReturnType<typeof createReplicaEvents>;
}

/** The wanted state of a user, from a token or a full user state. */
export interface Desired {
  username: string | null;
  attributes: Record<string, string>;
  status: string | null;
  enabled: boolean;
  groups: string[] | undefined;
  undelete: boolean;
}

export function refuse(user: ReplicaUser): void {
  if (user.deletedAt !== null) throw new CognitoAuthError('USER_DELETED', 'user has been deleted');
  if (!user.enabled) throw new CognitoAuthError('USER_DISABLED', 'user is disabled');
}

function needsWrite(cur: StoredUser, d: Desired, login: boolean): boolean {
  if (login) return true;
  if (d.undelete && cur.user.deletedAt !== null) return true;
  if (userFingerprint(d) !== cur.fingerprint) return true;
  return d.groups !== undefined && !sameList(d.groups, cur.groups);
}

/**
 * The one write path: insert a skeleton row if missing (racing inserts collapse in the store),
 * then, under the user's lock, re-read, re-check and write only a real change. Hooks run after
 * the commit.
 */
export async function upsertUser(
  core: ReplicaCore,
  poolId: string,
  sub: string,
  merge: (cur: StoredUser | null) => Desired,
  source: ReplicaSource,
  opts: { login: boolean; refuse: boolean; known?: StoredUser | null },
): Promise<ApplyResult> {
  const { store, now, cache, events } = core;
  const cur = opts.known !== undefined ? opts.known : await store.find(poolId, sub);
  if (cur && opts.refuse) refuse(cur.user);
  if (!cur) await store.insertIfMissing(poolId, sub, now());
  else if (!needsWrite(cur, merge(cur), opts.login))
    return { user: cur.user, created: false, updated: false, groupsAdded: [], groupsRemoved: [] };
  const ts = now();
  let fieldsChanged = false;
  const decide = (locked: StoredUser): UserUpdate | null => {
    if (opts.refuse) refuse(locked.user);
    const d = merge(locked);
    fieldsChanged = false;
    if (!needsWrite(locked, d, opts.login)) return null;
    const fields = userFields(d);
    fieldsChanged =
      fields.fingerprint !== locked.fingerprint || (d.undelete && locked.user.deletedAt !== null);
    const groups = d.groups !== undefined && !sameList(d.groups, locked.groups) ? d.groups : undefined;
    const keepSeen = source === 'sync' || source === 'webhook';
    return {
      ...(fieldsChanged ? { fields, undelete: d.undelete } : {}),
      ...(opts.login
        ? { lastLoginAt: ts, lastSeenAt: ts }
        : fieldsChanged && !keepSeen
          ? { lastSeenAt: ts }
          : {}),
      ...(groups ? { groups } : {}),
    };
  };
  const out = await store.update(poolId, sub, decide, ts);
  if (!out) throw new CognitoAuthError('STORE_FAILED', 'replica row vanished during upsert');
  // A freshly inserted skeleton has no fingerprint. Whoever first fills it in (under the lock,
  // so exactly one writer) announces the creation, whichever racer inserted it.
  const skeleton = out.before.fingerprint === null;
  const written = out.after !== out.before;
  const created = written && skeleton;
  const updated = written && fieldsChanged && !skeleton;
  cache.remember(poolId, sub, out.after);
  if (created) await events.userCreated(out.after.user, source);
  else if (updated) await events.userUpdated(out.after.user, out.before.user, source);
  if (out.groupsAdded.length > 0 || out.groupsRemoved.length > 0)
    await events.groupsChanged(out.after.user, out.groupsAdded, out.groupsRemoved, source);
  return {
    user: out.after.user,
    created,
    updated,
    groupsAdded: out.groupsAdded,
    groupsRemoved: out.groupsRemoved,
  };
}
