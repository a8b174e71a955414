/**
 * The user ids of the subs ListUsersInGroup lists, for the memberships pass (ADR 0005). A lookup
 * by sub costs the database an index probe and a random heap read per member (13 us each on
 * PostgreSQL, measured on 200,000 members); reading the pool's live users once, in id order,
 * costs about 1 us each. So the first subs of a run are looked up, and once the lookups pass an
 * eighth of the users the run saw, the live users are read into a SubIdIndex and every later sub
 * is answered from memory: a pool whose groups are small is never read whole, and one whose
 * groups hold most of its users is read once (at most about twice the cost of the cheaper way).
 * A sub the table lacks (a user written since the read, by a first login say) is looked up.
 */
import { SubIdIndex } from './sub-id-index.ts';
import type { SyncStore } from './sync-store.ts';

/** Users per keyset page of the index load. */
const LOAD_PAGE = 5000;

export interface MemberIds {
  /** The ids of the live users of `subs` (a sub not in the replica is skipped). */
  resolve(subs: readonly string[]): Promise<number[]>;
}

/** `usersSeen`: the users the run's ListUsers pass saw (about the live users of the pool). */
export function memberIds(store: SyncStore, poolId: string, usersSeen: number): MemberIds {
  let lookedUp = 0;
  let index: Promise<SubIdIndex> | undefined;

  async function load(): Promise<SubIdIndex> {
    const loaded = new SubIdIndex(usersSeen);
    for (let afterId = 0; ; ) {
      const page = await store.liveUserIds(poolId, afterId, LOAD_PAGE);
      for (const { id, sub } of page) loaded.set(sub, id);
      if (page.length < LOAD_PAGE) return loaded;
      afterId = (page[page.length - 1] as { id: number }).id;
    }
  }

  async function lookUp(subs: readonly string[], ids: number[]): Promise<number[]> {
    for (const row of await store.idsBySubs(poolId, subs)) if (row.deletedAt === null) ids.push(row.id);
    return ids;
  }

  return {
    async resolve(subs) {
      if (index === undefined && lookedUp + subs.length > usersSeen / 8) index = load();
      if (index === undefined) {
        lookedUp += subs.length;
        return lookUp(subs, []);
      }
      const loaded = await index;
      const ids: number[] = [];
      const missed: string[] = [];
      for (const sub of subs) {
        const id = loaded.get(sub);
        if (id !== undefined) ids.push(id);
        else missed.push(sub);
      }
      // Not in the table: a user written since it was read (a first login inserts the user and
      // its memberships, which the diff must then find listed), or not in the replica at all.
      return missed.length === 0 ? ids : lookUp(missed, ids);
    },
  };
}
