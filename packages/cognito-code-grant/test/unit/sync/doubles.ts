/** Doubles of the admin API and the sync store, shared by the sync's unit tests. */
import type { SyncStore } from '../../../src/sync/sync-store.ts';

export const POOL = 'eu-west-1_Pipeline';
export const PAGE = 60;

/**
 * An admin API double (no command middleware): `pages` ListUsers pages of 60 users; with `log`,
 * one group `g` whose members are all of them.
 */
export function client(pages: number, log?: string[]) {
  return {
    async send(command: {
      constructor: { name: string };
      input: { PaginationToken?: string; NextToken?: string };
    }) {
      if (command.constructor.name === 'ListUsersInGroupCommand') {
        const page = Number(command.input.NextToken ?? 0);
        log?.push(`group page ${page}`);
        const Users = Array.from({ length: PAGE }, (_, i) => ({
          Attributes: [{ Name: 'sub', Value: `sub-${page}-${i}` }],
        }));
        return { Users, ...(page + 1 < pages ? { NextToken: String(page + 1) } : {}) };
      }
      if (command.constructor.name === 'ListUsersCommand') {
        const page = Number(command.input.PaginationToken ?? 0);
        const Users = Array.from({ length: PAGE }, (_, i) => ({
          Username: `u${page}-${i}`,
          Attributes: [{ Name: 'sub', Value: `sub-${page}-${i}` }],
          UserStatus: 'CONFIRMED',
          Enabled: true,
        }));
        return { Users, ...(page + 1 < pages ? { PaginationToken: String(page + 1) } : {}) };
      }
      if (command.constructor.name === 'ListGroupsCommand')
        return { Groups: log ? [{ GroupName: 'g' }] : [] };
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
}

export function store(log: string[], write: (batch: number) => Promise<void>): SyncStore {
  let finds = 0;
  let writes = 0;
  const unexpected = async () => {
    throw new Error('unexpected store call');
  };
  return {
    async findBySubs() {
      log.push(`find ${++finds}`);
      return [];
    },
    async writeUsers() {
      const n = ++writes;
      log.push(`write ${n}`);
      await write(n);
      log.push(`written ${n}`);
    },
    refreshStatistics: async () => {},
    async countUnseenUsers() {
      log.push('count');
      return 0;
    },
    async unseenUsers() {
      log.push('sweep');
      return [];
    },
    listGroups: async () => [],
    findById: unexpected,
    softDeleteUsers: unexpected,
    deleteGroup: unexpected,
    saveGroup: unexpected,
    idsBySubs: unexpected,
    liveUserIds: unexpected,
    memberIds: unexpected,
    changeMembers: unexpected,
  };
}

/**
 * A store for the memberships pass over the pages of `client(pages, log)` (100 unless given):
 * group `g` is new, every listed sub is a user, and new members go to `changeMembers`.
 */
export function memberStore(changeMembers: SyncStore['changeMembers'], pages = 100): SyncStore {
  const ids = new Map<string, number>();
  for (let page = 0; page < pages; page++)
    for (let i = 0; i < PAGE; i++) ids.set(`sub-${page}-${i}`, ids.size + 1);
  return {
    ...store([], async () => {}),
    saveGroup: async () => 1,
    memberIds: async () => [],
    async idsBySubs(_pool, subs) {
      return subs.map((sub) => ({ id: ids.get(sub) as number, deletedAt: null }));
    },
    async liveUserIds(_pool, afterId, limit) {
      return [...ids]
        .filter(([, id]) => id > afterId)
        .slice(0, limit)
        .map(([sub, id]) => ({ id, sub }));
    },
    changeMembers,
  };
}
