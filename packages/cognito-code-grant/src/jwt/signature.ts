/**
 * The RS256 signature check, on the calling thread or shared with a helper thread.
 *
 * A lone verification runs on the calling thread: a hand-off to another thread costs more than
 * a single request should pay. Verifications started in the same synchronous run (several
 * `verify()` calls together, e.g. `Promise.all`, or requests parsed in one turn) are published
 * to the helper thread (signature-thread.ts) as they arrive; at the end of the run this thread
 * checks the jobs the helper has not taken, last first, and collects the helper's answers as
 * they come. So one process checks overlapping signatures on two cores without an event-loop
 * round trip per signature. This thread waits for the helper at most about 0.1 ms on one job,
 * then checks that job itself.
 */
import type { PreparedKey } from '../jwks/key.ts';
import type { DecodedJwt } from './decode.ts';
import { verifyRs256 } from './rs256.ts';
import { scratchBuffer, takeHeldToken, view } from './scratch.ts';
import type { SignatureThread } from './signature-thread.ts';

/**
 * True when the signature segment decodes to as many bytes as the key's modulus, which an RS256
 * signature always does (decode.ts checked the segment is canonical base64url, so its length
 * gives the decoded length).
 */
function lengthMatches(decoded: DecodedJwt, key: PreparedKey): boolean {
  return (decoded.signature.length * 3) >> 2 === key.modulusBytes;
}

/** True when the token's signature verifies with `key`, on this thread. */
export function verifySignature(token: string, decoded: DecodedJwt, key: PreparedKey): boolean {
  if (!lengthMatches(decoded, key)) return false;
  const inputLength = decoded.signingInputEnd;
  const n = key.modulusBytes;
  // Right after decodeJwt the scratch holds the token's bytes and then its decoded signature.
  const held = takeHeldToken(token, token.length + n);
  const signatureAt = held ? token.length : inputLength;
  const bytes = scratchBuffer(signatureAt + n);
  if (!held) {
    // The signing input is base64url and dots (decode.ts): its latin1 encoding is its bytes.
    bytes.write(token, 0, inputLength, 'latin1');
    bytes.write(decoded.signature, inputLength, 'base64url');
  }
  // Views of the scratch buffer: the check reads them before it returns.
  return verifyRs256(view(bytes, 0, inputLength), key.keyObject, view(bytes, signatureAt, n));
}

interface Job {
  readonly token: string;
  readonly decoded: DecodedJwt;
  readonly key: PreparedKey;
  /** Its slot on `thread`, or -1 while (or when) it is this thread's alone. */
  slot: number;
  thread: SignatureThread | undefined;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Settles a job with `answer()` (its result, or undefined: not yet, the job is kept); true when
 * settled. A throw rejects this job alone. Frees its slot.
 */
function settle(job: Job, answer: () => boolean | undefined): boolean {
  try {
    const ok = answer();
    if (ok === undefined) return false;
    job.resolve(ok);
  } catch (error) {
    job.reject(error);
  }
  if (job.slot >= 0) job.thread!.release(job.slot);
  return true;
}

/** Checks a job on this thread (claimed back from the helper, or never published) and settles it. */
function settleHere(job: Job): void {
  const { thread, slot } = job;
  settle(job, () =>
    thread === undefined || slot < 0
      ? verifySignature(job.token, job.decoded, job.key)
      : thread.checkClaimed(slot),
  );
}

export class SignatureScheduler {
  /** Checks asked for in the current synchronous run (one checked here at once included). */
  #calls = 0;
  /** The last run overlapped: the next run's first check waits for the run's end. */
  #overlapping = false;
  /** Jobs of the current synchronous run, checked when it ends. */
  #run: Job[] = [];
  /** The first job of an overlapping run, published once a second arrives. */
  #held: Job | undefined;
  /** The helper the run's jobs are published to. */
  #thread: SignatureThread | undefined;
  /** Jobs the helper took that had no answer yet when their run ended, oldest first. */
  #taken: Job[] = [];
  #collectScheduled = false;
  readonly #helper: (() => SignatureThread | undefined) | undefined;

  /** `helper`: the helper thread to share overlapping checks with; none: always this thread. */
  constructor(helper?: () => SignatureThread | undefined) {
    this.#helper = helper;
  }

  /**
   * The check's result: at once (on this thread) for the first check of a run unless the last
   * run overlapped, and always without a helper; else a promise settled once the current
   * synchronous run ends.
   */
  verify(token: string, decoded: DecodedJwt, key: PreparedKey): boolean | Promise<boolean> {
    if (this.#helper === undefined) return verifySignature(token, decoded, key);
    if (this.#calls++ === 0) {
      // Queued before the caller's continuation: a run's later checks all come before it.
      queueMicrotask(this.#endRun);
      if (!this.#overlapping) return verifySignature(token, decoded, key);
    }
    if (!lengthMatches(decoded, key)) return false;
    return new Promise<boolean>((resolve, reject) => {
      const job: Job = { token, decoded, key, slot: -1, thread: undefined, resolve, reject };
      this.#run.push(job);
      // The first of an overlapping run waits for a second before it is published: alone, it
      // is checked here at the run's end, without waking the helper.
      if (this.#calls === 1) {
        this.#held = job;
        return;
      }
      this.#thread ??= this.#helper!();
      if (this.#held !== undefined) {
        this.#publish(this.#held);
        this.#held = undefined;
      }
      this.#publish(job);
    });
  }

  #publish(job: Job): void {
    const thread = this.#thread;
    if (thread === undefined) return;
    const { key, decoded } = job;
    job.slot = thread.publish(
      key.keyObject,
      job.token,
      decoded.signingInputEnd,
      decoded.signature,
      key.modulusBytes,
    );
    job.thread = thread;
  }

  /**
   * The end of a run: this thread checks, last first, every job the helper has not taken
   * (claiming each just before checking it, so the helper keeps taking others meanwhile). The
   * helper's answers are collected as they come, at later runs' ends or at the next turn of the
   * event loop, so this thread does not wait for them while it has other work; it waits only
   * when it settled nothing else.
   */
  readonly #endRun = (): void => {
    this.#overlapping = this.#calls > 1;
    this.#calls = 0;
    const run = this.#run;
    if (run.length === 0 && this.#taken.length === 0) return;
    this.#run = [];
    this.#thread = undefined;
    this.#held = undefined;
    let settled = this.#collect(false);
    const taken: Job[] = [];
    // The first half is left to the helper even when it has not taken them yet: it is idle
    // while this thread decodes the next run, and this thread's time, not the helper's, bounds
    // throughput (measured with 8 in flight, bench/verify.bench.ts). Collected like the others.
    const left = run.length >> 1;
    for (let i = run.length - 1; i >= 0; i--) {
      const job = run[i]!;
      if (job.slot >= 0 && (i < left || !job.thread!.claim(job.slot))) {
        taken.push(job);
        continue;
      }
      settleHere(job);
      settled++;
    }
    for (let i = taken.length - 1; i >= 0; i--) this.#taken.push(taken[i]!);
    this.#collect(settled === 0 && run.length > 0);
    if (this.#taken.length > 0 && !this.#collectScheduled) {
      this.#collectScheduled = true;
      setImmediate(this.#collectAll);
    }
  };

  /** Settles the taken jobs the helper has answered; with `wait`, waits for the oldest first. */
  #collect(wait: boolean): number {
    const taken = this.#taken;
    let settled = 0;
    let kept = 0;
    for (let i = 0; i < taken.length; i++) {
      const job = taken[i]!;
      const thread = job.thread!;
      if (settle(job, () => (wait && i === 0 ? thread.finalAnswer(job.slot) : thread.answer(job.slot))))
        settled++;
      else taken[kept++] = job;
    }
    taken.length = kept;
    return settled;
  }

  /** The next turn of the event loop: every taken job is settled, waiting where needed. */
  readonly #collectAll = (): void => {
    this.#collectScheduled = false;
    const taken = this.#taken;
    this.#taken = [];
    for (const job of taken) settle(job, () => job.thread!.finalAnswer(job.slot));
  };
}
