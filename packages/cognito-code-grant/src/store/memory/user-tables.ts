/**
 * The in-memory UserStore's tables: users by id and by (pool, sub), groups by id and by
 * (pool, name), and the row operations its port methods share. Returned users are frozen copies.
 */
import type { ReplicaGroup, ReplicaUser } from '../../replica/types.ts';
import type { StoredUser, UserUpdate } from '../../replica/user-store.ts';

export interface Row {
  user: ReplicaUser;
  fingerprint: string | null;
  emailLower: string | null;
  /** Group ids. */
  groups: Set<number>;
}

export interface GroupRow {
  group: ReplicaGroup;
}

export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const subKey = (poolId: string, sub: string) => `${poolId}\u0000${sub}`;

export class UserTables {
  readonly users = new Map<number, Row>();
  readonly bySub = new Map<string, number>();
  readonly groups = new Map<number, GroupRow>();
  readonly groupByName = new Map<string, number>();
  #nextUserId = 1;
  #nextGroupId = 1;

  groupNames(row: Row): string[] {
    return [...row.groups].map((id) => (this.groups.get(id) as GroupRow).group.name).sort(byCodeUnit);
  }
  stored(row: Row): StoredUser {
    return { user: row.user, groups: this.groupNames(row), fingerprint: row.fingerprint };
  }
  rowOf(poolId: string, sub: string): Row | undefined {
    const id = this.bySub.get(subKey(poolId, sub));
    return id === undefined ? undefined : (this.users.get(id) as Row);
  }
  ensureGroup(poolId: string, name: string, now: number): number {
    const k = subKey(poolId, name);
    const existing = this.groupByName.get(k);
    if (existing !== undefined) return existing;
    const id = this.#nextGroupId++;
    this.groups.set(id, {
      group: Object.freeze({
        id,
        poolId,
        name,
        description: null,
        precedence: null,
        createdAt: now,
        updatedAt: now,
      }),
    });
    this.groupByName.set(k, id);
    return id;
  }
  insertRow(poolId: string, sub: string | null, now: number, email: string | null): Row {
    const id = this.#nextUserId++;
    const user: ReplicaUser = Object.freeze({
      id,
      poolId,
      sub,
      username: null,
      email,
      emailVerified: null,
      status: null,
      enabled: true,
      attributes: Object.freeze({}),
      createdAt: now,
      updatedAt: now,
      lastLoginAt: null,
      lastSeenAt: null,
      deletedAt: null,
    });
    const row: Row = { user, fingerprint: null, emailLower: email?.toLowerCase() ?? null, groups: new Set() };
    this.users.set(id, row);
    if (sub !== null) this.bySub.set(subKey(poolId, sub), id);
    return row;
  }
}

export function patchUser(row: Row, patch: Partial<ReplicaUser>): void {
  row.user = Object.freeze({ ...row.user, ...patch });
}

/** Applies a decided update to `row`; returns the group names added and removed. */
export function applyUserUpdate(
  tables: UserTables,
  row: Row,
  poolId: string,
  update: UserUpdate,
  now: number,
): { added: string[]; removed: string[] } {
  if (update.fields) {
    const f = update.fields;
    patchUser(row, {
      username: f.username,
      email: f.email,
      emailVerified: f.emailVerified,
      status: f.status,
      enabled: f.enabled,
      attributes: Object.freeze({ ...f.attributes }),
      updatedAt: now,
      ...(update.undelete ? { deletedAt: null } : {}),
    });
    row.fingerprint = f.fingerprint;
    row.emailLower = f.emailLower;
  }
  if (update.lastLoginAt !== undefined) patchUser(row, { lastLoginAt: update.lastLoginAt });
  if (update.lastSeenAt !== undefined) patchUser(row, { lastSeenAt: update.lastSeenAt });
  let added: string[] = [];
  let removed: string[] = [];
  if (update.groups !== undefined) {
    const want = new Set(update.groups);
    const have = tables.groupNames(row);
    removed = have.filter((n) => !want.has(n));
    added = update.groups.filter((n) => !have.includes(n));
    row.groups = new Set(update.groups.map((n) => tables.ensureGroup(poolId, n, now)));
  }
  return { added, removed };
}
