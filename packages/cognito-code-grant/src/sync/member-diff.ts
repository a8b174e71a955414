/**
 * One group's membership diff in compact memory: the stored member ids as a sorted Float64Array
 * with one "seen in Cognito" byte each (5 bytes a member, where a Set of numbers costs several
 * times that), so a group of a million users is diffed in a few MB. Listed members are checked
 * against it as they arrive: the new ones are added in chunks during the listing; the stored ones
 * never seen are the removals once the listing is complete.
 */
import type { SyncStore } from './sync-store.ts';

export class MemberDiff {
  private readonly stored: Float64Array;
  private readonly seen: Uint8Array;

  private constructor(stored: Float64Array) {
    this.stored = stored;
    this.seen = new Uint8Array(stored.length);
  }

  /** The group's stored member ids (none for a group not stored yet). */
  static async load(store: SyncStore, groupId: number | undefined): Promise<MemberDiff> {
    let ids = new Float64Array(1024);
    let n = 0;
    if (groupId !== undefined) {
      for (let after = 0; ; ) {
        const page = await store.memberIds(groupId, after, 5000);
        if (page.length === 0) break;
        if (n + page.length > ids.length) {
          const grown = new Float64Array(Math.max(ids.length * 2, n + page.length));
          grown.set(ids.subarray(0, n));
          ids = grown;
        }
        for (const id of page) ids[n++] = id;
        after = page[page.length - 1] as number;
      }
    }
    // Pages come in ascending order; sorted anyway, since the lookup depends on it.
    const stored = ids.slice(0, n).sort();
    return new MemberDiff(stored);
  }

  /** Records a member listed in Cognito; true when it is not stored (to be added). */
  listed(id: number): boolean {
    const i = this.indexOf(id);
    if (i < 0) return true;
    this.seen[i] = 1;
    return false;
  }

  /** Stored members never listed, in ascending chunks of at most `size`. */
  *unseen(size: number): Generator<number[]> {
    let chunk: number[] = [];
    for (let i = 0; i < this.stored.length; i++) {
      if (this.seen[i]) continue;
      chunk.push(this.stored[i] as number);
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  private indexOf(id: number): number {
    const s = this.stored;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s[mid] as number) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < s.length && s[lo] === id ? lo : -1;
  }
}
