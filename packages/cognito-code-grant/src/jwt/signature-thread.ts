/**
 * A helper thread for RSA signature checks, shared by every verifier of the calling thread
 * (docs/adr/0006-signature-helper-thread.md). Jobs and answers pass through shared memory, not
 * messages: a message to another thread and the answer back cost two kernel wake-ups and an
 * event-loop turn, which on small VMs cost as much CPU as the RSA check itself. The helper
 * polls for a while after its last job, then sleeps until the next one is published.
 *
 * Slot states: FREE -> READY (published) -> HELPER (taken by the helper) -> VALID / INVALID
 * (or RETURNED, unchecked); or READY -> MINE (taken back by the calling thread, which checks it
 * itself, as it does a RETURNED one). Taking is a compare-and-swap, so each job is checked once.
 */
import type { KeyObject } from 'node:crypto';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { channels } from '../observability/channels.ts';
import { verifyRs256 } from './rs256.ts';

const SLOTS = 16;
/** Bytes per slot: signing input and signature. A larger job is checked by the caller. */
const SLOT_BYTES = 8192;
const FREE = 0;
const READY = 1;
const HELPER = 2;
const MINE = 3;
const VALID = 4;
const INVALID = 5;
/** Handed back by the helper unchecked (it lacked the key): the caller checks it. */
const RETURNED = 6;
/** ctrl[SEQ] counts publications (the helper sleeps on it); ctrl[SLEEPING] is 1 while it sleeps. */
const SEQ = 0;
const SLEEPING = 1;
/** Jobs the helper has checked (for tests and the benchmark). */
const CHECKED = 2;
/** Keys the helper holds (for tests). */
const KEYS = 3;
/** How long the helper polls for a next job before it sleeps. */
const POLL_MS = 0.2;
/**
 * How long the caller waits for the answer to a job the helper is checking before it checks the
 * job itself (one check takes about 25 µs here): never longer, however late the helper is.
 */
const SPIN_MS = 0.1;
/** A helper that has not answered a job it took for this long is taken for dead. */
const DEAD_AFTER_MS = 2000;

// CommonJS, run with `eval`: no file to resolve, whatever bundles the library.
const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
// The RS256 check as rs256.ts makes it (a Verify object: cheaper than the one-shot verify).
const { createVerify } = require('node:crypto');
const { ctrl, status, meta, bytes, port } = workerData;
const keys = new Map();
function keyOf(id) {
  // Each key is posted before the first job that uses it, so it is already queued (after the
  // drops of keys the caller no longer holds).
  while (!keys.has(id)) {
    const message = receiveMessageOnPort(port);
    if (message === undefined) return undefined;
    const { id: got, key } = message.message;
    if (key === undefined) keys.delete(got);
    else keys.set(got, key);
    Atomics.store(ctrl, ${KEYS}, keys.size);
  }
  return keys.get(id);
}
// Ready for jobs: the caller reports the helper up.
port.postMessage('ready');
for (;;) {
  const seq = Atomics.load(ctrl, ${SEQ});
  let took = false;
  for (let s = 0; s < ${SLOTS}; s++) {
    if (Atomics.compareExchange(status, s, ${READY}, ${HELPER}) !== ${READY}) continue;
    const key = keyOf(meta[3 * s]);
    // Never an answer without the key: the job goes back to the caller, which checks it itself.
    if (key === undefined) {
      Atomics.store(status, s, ${RETURNED});
      Atomics.notify(status, s);
      continue;
    }
    took = true;
    const base = s * ${SLOT_BYTES};
    const inputEnd = base + meta[3 * s + 1];
    let ok = false;
    try {
      ok = createVerify('RSA-SHA256')
        .update(bytes.subarray(base, inputEnd))
        .verify(key, bytes.subarray(inputEnd, inputEnd + meta[3 * s + 2]));
    } catch {}
    Atomics.add(ctrl, ${CHECKED}, 1);
    Atomics.store(status, s, ok ? ${VALID} : ${INVALID});
    Atomics.notify(status, s);
  }
  if (took) continue;
  const until = performance.now() + ${POLL_MS};
  while (Atomics.load(ctrl, ${SEQ}) === seq && performance.now() < until);
  if (Atomics.load(ctrl, ${SEQ}) !== seq) continue;
  Atomics.store(ctrl, ${SLEEPING}, 1);
  Atomics.wait(ctrl, ${SEQ}, seq);
  Atomics.store(ctrl, ${SLEEPING}, 0);
}
`;

export class SignatureThread {
  readonly #ctrl = new Int32Array(new SharedArrayBuffer(4 * 4));
  readonly #status = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  /** Per slot: key id, signing input length, signature length. */
  readonly #meta = new Int32Array(new SharedArrayBuffer(SLOTS * 3 * 4));
  readonly #bytes = Buffer.from(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
  readonly #keyIds = new WeakMap<KeyObject, number>();
  /** The key object of each slot's job (the caller checks a job it takes back with it). */
  readonly #slotKeys: (KeyObject | undefined)[] = new Array(SLOTS);
  readonly #free: number[] = Array.from({ length: SLOTS }, (_, i) => SLOTS - 1 - i);
  /** Slots released while the helper still checks their job (freed once it answers), and since when. */
  readonly #draining: { readonly slot: number; readonly since: number }[] = [];
  /** Tells the helper to drop a key this thread no longer holds (a JWKS rotated, a verifier gone). */
  readonly #keyFinalizer = new FinalizationRegistry<number>((id) => {
    if (this.#alive) this.#port.postMessage({ id });
  });
  readonly #port: MessagePort;
  readonly #worker: Worker;
  #nextKeyId = 0;
  #lastKey: KeyObject | undefined;
  #lastKeyId = -1;
  #alive = true;

  readonly #onDown: (reason: string) => void;
  /** Settles once the helper has exited. */
  readonly closed: Promise<void>;
  readonly #deadAfterMs: number;
  readonly #now: () => number;

  /**
   * `onDown`: told once, with the reason, when the helper fails, exits or stops answering.
   * `testing` replaces the helper's code, the silence taken for death, or the clock (tests only).
   */
  constructor(
    onDown: (reason: string) => void,
    testing?: { source?: string; deadAfterMs?: number; now?: () => number },
  ) {
    this.#onDown = onDown;
    this.#deadAfterMs = testing?.deadAfterMs ?? DEAD_AFTER_MS;
    this.#now = testing?.now ?? performance.now.bind(performance);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(testing?.source ?? HELPER_SOURCE, {
      eval: true,
      // No preloads or loaders of the app's: the helper needs none.
      execArgv: [],
      workerData: {
        ctrl: this.#ctrl,
        status: this.#status,
        meta: this.#meta,
        bytes: this.#bytes,
        port: port2,
      },
      transferList: [port2],
    });
    // Up once its code runs (Node's 'online' comes before it, even for code that then throws).
    port1.once('message', () => {
      if (this.#alive && channels.signatureThread.hasSubscribers)
        channels.signatureThread.publish({ state: 'up' });
    });
    // Never keeps the process alive.
    this.#worker.unref();
    port1.unref();
    this.#worker.on('error', (error) => this.#down(`it failed: ${error.message}`));
    this.closed = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        this.#down(`it exited with code ${code}`);
        resolve();
      }),
    );
  }

  /** False once the helper failed or exited: the caller then checks every signature itself. */
  get alive(): boolean {
    return this.#alive;
  }

  /** Signatures the helper has checked so far. */
  get checked(): number {
    return Atomics.load(this.#ctrl, CHECKED);
  }

  /** Keys the helper holds. */
  get keysHeld(): number {
    return Atomics.load(this.#ctrl, KEYS);
  }

  /**
   * Publishes a job for the helper; its slot, or -1 when no slot is free or the job does not
   * fit (the caller checks it itself). `token` up to `inputEnd` is the signing input (ASCII).
   */
  publish(
    key: KeyObject,
    token: string,
    inputEnd: number,
    signature: string,
    signatureBytes: number,
  ): number {
    if (this.#draining.length > 0) this.#reclaim();
    if (!this.#alive || inputEnd + signatureBytes > SLOT_BYTES) return -1;
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    const base = slot * SLOT_BYTES;
    this.#bytes.write(token, base, inputEnd, 'latin1');
    const n = this.#bytes.write(signature, base + inputEnd, signatureBytes, 'base64url');
    const meta = this.#meta;
    meta[3 * slot] = this.#keyId(key);
    meta[3 * slot + 1] = inputEnd;
    meta[3 * slot + 2] = n;
    this.#slotKeys[slot] = key;
    Atomics.store(this.#status, slot, READY);
    Atomics.add(this.#ctrl, SEQ, 1);
    if (Atomics.load(this.#ctrl, SLEEPING) === 1) Atomics.notify(this.#ctrl, SEQ, 1);
    return slot;
  }

  /** Takes a published job back for the caller: true unless the helper has taken it. */
  claim(slot: number): boolean {
    return Atomics.compareExchange(this.#status, slot, READY, MINE) === READY;
  }

  /** Checks a claimed job on the calling thread. */
  checkClaimed(slot: number): boolean {
    const base = slot * SLOT_BYTES;
    const meta = this.#meta;
    const inputLength = meta[3 * slot + 1]!;
    const memory = this.#bytes.buffer;
    // Plain views: cheaper than Buffer#subarray (scratch.ts).
    return verifyRs256(
      new Uint8Array(memory, base, inputLength),
      this.#slotKeys[slot]!,
      new Uint8Array(memory, base + inputLength, meta[3 * slot + 2]!),
    );
  }

  /** The helper's answer for a job it took, or undefined while it works on it. */
  answer(slot: number): boolean | undefined {
    const state = Atomics.load(this.#status, slot);
    if (state === RETURNED) return this.checkClaimed(slot);
    return state === VALID ? true : state === INVALID ? false : undefined;
  }

  /**
   * The helper's answer for a job it took, waiting SPIN_MS at most; past that (a helper that lost
   * its core), or once the helper is down, the job is checked here: its bytes stay as they are
   * until the slot is freed, and release() frees it only once the helper is done with it.
   */
  helperAnswer(slot: number): boolean {
    const status = this.#status;
    if (this.#alive) {
      const until = performance.now() + SPIN_MS;
      while (Atomics.load(status, slot) === HELPER && performance.now() < until);
    }
    return this.answer(slot) ?? this.checkClaimed(slot);
  }

  /** The answer for a published job: checked here if the helper has not taken it, else the helper's. */
  finalAnswer(slot: number): boolean {
    return this.claim(slot) ? this.checkClaimed(slot) : this.helperAnswer(slot);
  }

  /** Frees a settled job's slot, or parks it until the helper is done with its job. */
  release(slot: number): void {
    if (Atomics.load(this.#status, slot) === HELPER) {
      this.#draining.push({ slot, since: this.#now() });
      return;
    }
    this.#free.push(this.#clear(slot));
  }

  #clear(slot: number): number {
    this.#slotKeys[slot] = undefined;
    Atomics.store(this.#status, slot, FREE);
    return slot;
  }

  /** Frees the parked slots the helper has answered; a helper silent on one too long is dead. */
  #reclaim(): void {
    const draining = this.#draining;
    const now = this.#now();
    let kept = 0;
    for (const parked of draining) {
      if (Atomics.load(this.#status, parked.slot) !== HELPER) this.#free.push(this.#clear(parked.slot));
      else {
        draining[kept++] = parked;
        if (now - parked.since >= this.#deadAfterMs && this.#alive) {
          this.#down(`it did not answer within ${this.#deadAfterMs} ms`);
          void this.#worker.terminate();
        }
      }
    }
    draining.length = kept;
  }

  /**
   * Stops the helper (the process never waits for it anyway). `asIfLost` (tests): reported to
   * `onDown` like an exit nobody asked for.
   */
  async close(asIfLost = false): Promise<void> {
    if (!asIfLost) this.#alive = false;
    await this.#worker.terminate();
    await this.closed;
  }

  #keyId(key: KeyObject): number {
    // A pool signs with one key at a time: the last one spares the WeakMap lookup.
    if (key === this.#lastKey) return this.#lastKeyId;
    let id = this.#keyIds.get(key);
    if (id === undefined) {
      id = this.#nextKeyId++;
      this.#keyIds.set(key, id);
      this.#port.postMessage({ id, key });
      this.#keyFinalizer.register(key, id);
    }
    this.#lastKey = key;
    this.#lastKeyId = id;
    return id;
  }

  #down(reason: string): void {
    if (!this.#alive) return;
    this.#alive = false;
    if (channels.signatureThread.hasSubscribers) channels.signatureThread.publish({ state: 'down', reason });
    this.#onDown(reason);
  }
}

let shared: SignatureThread | null | undefined;

/**
 * The calling thread's helper, started on first use; undefined when none can run (it failed to
 * start or stopped): signatures are then checked on the calling thread, and a warning says why.
 */
export function signatureThread(): SignatureThread | undefined {
  if (shared === undefined) {
    try {
      shared = new SignatureThread(warnDown);
    } catch (error) {
      shared = null;
      warnDown(`it could not start: ${(error as Error).message}`);
    }
  }
  return shared?.alive ? shared : undefined;
}

function warnDown(reason: string): void {
  shared = null;
  process.emitWarning(
    `the signature helper thread stopped (${reason}); signatures are checked on the calling thread`,
    { code: 'CCG_SIGNATURE_THREAD_DOWN' },
  );
}

/** Stops the calling thread's helper; the next overlap starts a new one (for tests). */
export async function closeSignatureThread(): Promise<void> {
  const thread = shared;
  shared = undefined;
  await thread?.close();
}
