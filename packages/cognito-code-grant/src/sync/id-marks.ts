/**
 * The user ids a group's listing has already added in this run, so that a member Cognito lists
 * again, however far apart, is added, counted and announced once. One bit per id up to the
 * largest seen (125 KB for ids up to a million; a Set of numbers costs tens of times that, and a
 * group can hold every user of the pool); ids past 2^26 (an 8 MB bitmap, its cap) go to a Set instead.
 */
const BITMAP_IDS = 1 << 26;

export class IdMarks {
  private bits = new Uint8Array(1024);
  private large: Set<number> | undefined;

  /** Marks `id` (an integer); false when it was marked already. */
  mark(id: number): boolean {
    if (id < 0 || id >= BITMAP_IDS) {
      this.large ??= new Set();
      if (this.large.has(id)) return false;
      this.large.add(id);
      return true;
    }
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.min(Math.max(this.bits.length * 2, byte + 1), BITMAP_IDS >>> 3));
      grown.set(this.bits);
      this.bits = grown;
    }
    const bit = 1 << (id & 7);
    const value = this.bits[byte] as number;
    if ((value & bit) !== 0) return false;
    this.bits[byte] = value | bit;
    return true;
  }
}
