/**
 * A user id per sub in compact memory, for the memberships pass (ADR 0005). Cognito's subs are
 * UUIDs: one is kept as four 32-bit words in an open-addressing table (linear probing), 20 bytes a
 * slot, where a Map of strings costs about 100 bytes a user (100 MB for a million users, against
 * the CLI's 300 MB). A sub of any other shape (a test's, a migrated pool's) goes to a plain Map.
 */

const MAX_LOAD = 0.7;
const MAX_ID = 0xffff_ffff;

export class SubIdIndex {
  private capacity: number;
  private keys: Uint32Array;
  /** 0: an empty slot (row ids start at 1; others go to `others`). */
  private ids: Uint32Array;
  private filled = 0;
  private readonly others = new Map<string, number>();
  private readonly words = new Uint32Array(4);

  /**
   * `expected`: about how many users will be set. There is room for a tenth more (users written
   * meanwhile) before the table grows, which doubles it and holds both copies while it rehashes.
   */
  constructor(expected = 0) {
    this.capacity = Math.max(64, Math.ceil((expected * 1.1) / MAX_LOAD));
    this.keys = new Uint32Array(this.capacity * 4);
    this.ids = new Uint32Array(this.capacity);
  }

  /** Slots in the table (20 bytes each). */
  get slots(): number {
    return this.capacity;
  }

  get size(): number {
    return this.filled + this.others.size;
  }

  set(sub: string, id: number): void {
    if (!Number.isInteger(id) || id < 1 || id > MAX_ID || !this.toWords(sub)) {
      this.others.set(sub, id);
      return;
    }
    if ((this.filled + 1) / this.capacity > MAX_LOAD) this.grow();
    const w = this.words;
    this.place(w[0] as number, w[1] as number, w[2] as number, w[3] as number, id);
  }

  get(sub: string): number | undefined {
    if (!this.toWords(sub)) return this.others.get(sub);
    const w = this.words;
    const a = w[0] as number;
    const b = w[1] as number;
    const c = w[2] as number;
    const d = w[3] as number;
    const keys = this.keys;
    for (let slot = this.home(a, b, c, d); ; slot = slot + 1 === this.capacity ? 0 : slot + 1) {
      const id = this.ids[slot] as number;
      if (id === 0) return this.others.get(sub);
      const k = slot * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return id;
    }
  }

  /**
   * The UUID's 128 bits into `this.words`; false when `sub` is not a lower-case UUID. Read by
   * char code: a regex and slices cost 0.5 us a sub, more than the table itself.
   */
  private toWords(sub: string): boolean {
    if (sub.length !== 36) return false;
    const w = this.words;
    let word = 0;
    let digits = 0;
    let n = 0;
    for (let i = 0; i < 36; i++) {
      const c = sub.charCodeAt(i);
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (c !== 45) return false;
        continue;
      }
      let v: number;
      if (c >= 48 && c <= 57) v = c - 48;
      else if (c >= 97 && c <= 102) v = c - 87;
      else return false;
      word = (word << 4) | v;
      if (++digits === 8) {
        w[n++] = word;
        word = 0;
        digits = 0;
      }
    }
    return true;
  }

  /** The first slot to probe: the words mixed, mapped onto the capacity without a modulo. */
  private home(a: number, b: number, c: number, d: number): number {
    let h = Math.imul(a ^ Math.imul(b, 0x85eb_ca6b), 0x9e37_79b1) ^ c;
    h = Math.imul(h ^ (h >>> 15) ^ d, 0xc2b2_ae35);
    return Math.floor(((h ^ (h >>> 13)) >>> 0) * (this.capacity / 2 ** 32));
  }

  private place(a: number, b: number, c: number, d: number, id: number): void {
    const keys = this.keys;
    for (let slot = this.home(a, b, c, d); ; slot = slot + 1 === this.capacity ? 0 : slot + 1) {
      const k = slot * 4;
      if (this.ids[slot] === 0) {
        keys[k] = a;
        keys[k + 1] = b;
        keys[k + 2] = c;
        keys[k + 3] = d;
        this.ids[slot] = id;
        this.filled++;
        return;
      }
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) {
        this.ids[slot] = id;
        return;
      }
    }
  }

  private grow(): void {
    const { keys, ids, capacity } = this;
    this.capacity = capacity * 2;
    this.keys = new Uint32Array(this.capacity * 4);
    this.ids = new Uint32Array(this.capacity);
    this.filled = 0;
    for (let slot = 0; slot < capacity; slot++) {
      const id = ids[slot] as number;
      if (id === 0) continue;
      const k = slot * 4;
      this.place(keys[k] as number, keys[k + 1] as number, keys[k + 2] as number, keys[k + 3] as number, id);
    }
  }
}
