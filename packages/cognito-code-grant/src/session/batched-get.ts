/**
 * Gathers the store reads that arrive together into one `getMany` round trip (the DataLoader
 * pattern). Store mode reads the store on every request; under load, requests from many
 * connections arrive in the same turn of the event loop, and one query for all of them costs the
 * store, the driver and the network far less than one query each.
 *
 * Nothing is served from memory: every read waits for a store query issued after it was asked
 * for, so a logout committed before a request arrived is always seen. Reads are flushed with
 * `setImmediate`, after the I/O callbacks of the current turn, so a lone request waits for no
 * timer. Ids asked for twice in one batch are queried once.
 */
// From the module, not the global: test suites that fake the global timers (Jest, Sinon) would
// otherwise hold every session read forever.
import { setImmediate } from 'node:timers';
import type { SessionRecord, SessionStore, UnchangedRecord } from './store.ts';

export const DEFAULT_MAX_BATCH = 100;

export type StoreAnswer = SessionRecord | UnchangedRecord | undefined;

/** Reads one record; `knownVersion` lets a versioned store skip sending data the caller holds. */
export type BatchedGet = (idHash: string, knownVersion?: string) => Promise<StoreAnswer>;

interface Waiting {
  /** The version every waiter of this id holds, or undefined (a full read) when they differ. */
  known: string | undefined;
  readonly waiters: { resolve(answer: StoreAnswer): void; reject(error: unknown): void }[];
}

/**
 * `get` for the session layer: batched when the store has `getMany`, direct otherwise. The
 * bundled stores define `getMany` as non-enumerable, so `{ ...store, get: wrapped }` drops it and
 * every read goes through the wrapped `get`.
 */
export function batchedGet(store: SessionStore, maxBatch = DEFAULT_MAX_BATCH): BatchedGet {
  const getMany = store.getMany?.bind(store);
  if (getMany === undefined || store.inProcess === true || maxBatch <= 1)
    return (idHash) => store.get(idHash);
  let queue = new Map<string, Waiting>();
  let scheduled = false;

  async function run(batch: Map<string, Waiting>): Promise<void> {
    const ids = [...batch.keys()];
    const known = [...batch.values()].map((w) => w.known);
    let answers: StoreAnswer[];
    try {
      answers = await getMany!(ids, known);
      if (answers.length !== ids.length) throw new TypeError('getMany returned a wrong number of records');
    } catch (error) {
      for (const w of batch.values()) for (const waiter of w.waiters) waiter.reject(error);
      return;
    }
    for (let i = 0; i < ids.length; i++) {
      for (const waiter of batch.get(ids[i]!)!.waiters) waiter.resolve(answers[i]);
    }
  }

  function flush(): void {
    scheduled = false;
    const all = queue;
    queue = new Map();
    let batch = new Map<string, Waiting>();
    for (const [id, waiting] of all) {
      batch.set(id, waiting);
      if (batch.size >= maxBatch) {
        void run(batch);
        batch = new Map();
      }
    }
    if (batch.size > 0) void run(batch);
  }

  return (idHash, knownVersion) =>
    new Promise<StoreAnswer>((resolve, reject) => {
      const waiting = queue.get(idHash);
      if (waiting) {
        if (waiting.known !== knownVersion) waiting.known = undefined;
        waiting.waiters.push({ resolve, reject });
      } else {
        queue.set(idHash, { known: knownVersion, waiters: [{ resolve, reject }] });
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
