/**
 * The replica's UserStore port in memory: the reference implementation for tests and
 * single-process tools. Every call runs to completion without awaiting in between, so each is
 * atomic with respect to the others in this process (the lock the port promises); nothing is
 * shared with other processes. Returned users are frozen copies.
 */
import type { ReplicaUser } from '../../replica/types.ts';
import type { UserStore } from '../../replica/user-store.ts';
import {
  type GroupRow,
  type Row,
  UserTables,
  applyUserUpdate,
  byCodeUnit,
  patchUser,
  subKey,
} from './user-tables.ts';

export interface MemoryUserStore extends UserStore {
  /** Users stored (deleted ones included). */
  readonly size: number;
  /** Webhook event ids remembered. */
  readonly webhookEventCount: number;
  /** Rows with this sub, in any pool. */
  countWithSub(sub: string): number;
  /** The lower-cased e-mail stored for a sub (first pool found), or null. */
  emailLowerOf(sub: string): string | null;
  /**
   * Adds a local row as an app would (no sub yet, only an e-mail), for `linkByEmail`; the
   * SQL equivalent is an INSERT into the users table.
   */
  insertLocalUser(poolId: string, email: string, now: number): ReplicaUser;
}

export function createMemoryUserStore(): MemoryUserStore {
  const tables = new UserTables();
  const { users, bySub, groups, groupByName } = tables;
  const webhookEvents = new Map<string, { bodyHash: string; receivedAt: number }>();
  const groupNames = (row: Row) => tables.groupNames(row);
  const stored = (row: Row) => tables.stored(row);
  const rowOf = (poolId: string, sub: string) => tables.rowOf(poolId, sub);
  const ensureGroup = (poolId: string, name: string, now: number) => tables.ensureGroup(poolId, name, now);
  const insertRow = (poolId: string, sub: string | null, now: number, email: string | null) =>
    tables.insertRow(poolId, sub, now, email);

  return {
    get size() {
      return users.size;
    },
    get webhookEventCount() {
      return webhookEvents.size;
    },
    countWithSub: (sub) => [...users.values()].filter((r) => r.user.sub === sub).length,
    emailLowerOf: (sub) => [...users.values()].find((r) => r.user.sub === sub)?.emailLower ?? null,
    insertLocalUser: (poolId, email, now) => insertRow(poolId, null, now, email).user,
    async find(poolId, sub) {
      const row = rowOf(poolId, sub);
      return row ? stored(row) : null;
    },
    async findById(id) {
      return users.get(id)?.user ?? null;
    },
    async groupsOf(userId) {
      const row = users.get(userId);
      return row ? groupNames(row) : [];
    },
    async listUsersInGroup(poolId, name, page) {
      const gid = groupByName.get(subKey(poolId, name));
      if (gid === undefined) return [];
      return [...users.values()]
        .filter((r) => r.groups.has(gid) && r.user.deletedAt === null && r.user.id > page.afterId)
        .map((r) => r.user)
        .sort((a, b) => a.id - b.id)
        .slice(0, page.limit);
    },
    async listGroups(poolId) {
      return [...groups.values()]
        .map((g) => g.group)
        .filter((g) => g.poolId === poolId)
        .sort((a, b) => byCodeUnit(a.name, b.name));
    },
    async insertIfMissing(poolId, sub, now) {
      if (!rowOf(poolId, sub)) insertRow(poolId, sub, now, null);
    },
    async update(poolId, sub, decide, now) {
      const row = rowOf(poolId, sub);
      if (!row) return null;
      const before = stored(row);
      const update = decide(before);
      if (!update) return { before, after: before, groupsAdded: [], groupsRemoved: [] };
      const { added, removed } = applyUserUpdate(tables, row, poolId, update, now);
      return { before, after: stored(row), groupsAdded: added, groupsRemoved: removed };
    },
    async softDelete(poolId, sub, now) {
      const row = rowOf(poolId, sub);
      if (!row) return null;
      if (row.user.deletedAt !== null) return { user: row.user, changed: false };
      patchUser(row, { deletedAt: now, updatedAt: now });
      row.groups = new Set();
      return { user: row.user, changed: true };
    },
    async linkByEmail(poolId, sub, emailLower, now) {
      const candidates = [...users.values()].filter(
        (r) =>
          r.user.poolId === poolId &&
          r.emailLower === emailLower &&
          r.user.sub === null &&
          r.user.deletedAt === null,
      );
      if (candidates.length !== 1 || rowOf(poolId, sub)) return false;
      const row = candidates[0] as Row;
      patchUser(row, { sub, updatedAt: now });
      bySub.set(subKey(poolId, sub), row.user.id);
      return true;
    },
    async touchLastSeen(userId, at) {
      const row = users.get(userId);
      if (row) patchUser(row, { lastSeenAt: at });
    },
    async upsertGroup(poolId, group, now) {
      const id = ensureGroup(poolId, group.name, now);
      const g = groups.get(id) as GroupRow;
      g.group = Object.freeze({
        ...g.group,
        updatedAt: now,
        ...(group.description !== undefined ? { description: group.description } : {}),
        ...(group.precedence !== undefined ? { precedence: group.precedence } : {}),
      });
    },
    async deleteGroup(poolId, name, withMembers) {
      const k = subKey(poolId, name);
      const id = groupByName.get(k);
      if (id === undefined) return null;
      const members: ReplicaUser[] = [];
      for (const row of users.values()) {
        if (row.groups.delete(id) && withMembers) members.push(row.user);
      }
      groups.delete(id);
      groupByName.delete(k);
      return members;
    },
    async claimWebhookEvent(eventId, bodyHash, _triggerSource, now) {
      const seen = webhookEvents.get(eventId);
      if (!seen) {
        webhookEvents.set(eventId, { bodyHash, receivedAt: now });
        return 'new';
      }
      return seen.bodyHash === bodyHash ? 'duplicate' : 'conflict';
    },
    async releaseWebhookEvent(eventId) {
      webhookEvents.delete(eventId);
    },
    async pruneWebhookEvents(olderThanMs) {
      let n = 0;
      for (const [id, e] of webhookEvents) {
        if (e.receivedAt < olderThanMs) {
          webhookEvents.delete(id);
          n++;
        }
      }
      return n;
    },
  };
}
