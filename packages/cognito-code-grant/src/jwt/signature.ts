/**
 * The RS256 signature check, on the calling thread or on libuv's thread pool.
 *
 * A lone verification runs inline: handing RSA to another thread costs a round trip through the
 * event loop, which a single request (or a loop awaiting one verification after another) should
 * not pay. When verifications overlap, the next goes to the pool (`crypto.verify` with a
 * callback), so that one process verifies distinct tokens on every core while its main thread
 * decodes and checks claims. "Overlap": one is already on the pool, or one already ran inline in
 * the same synchronous run (several `verify()` calls started together, e.g. `Promise.all`).
 * Each hand-off costs kernel wake-ups (a futex for the pool thread, an eventfd and epoll back),
 * paid in CPU time: where those are dear (a small VM), the pool gains less than a second core
 * (bench/verify.bench.ts measures bare `crypto.verify` with a callback beside ours).
 * Nothing is module-global: each verifier has its own scheduler.
 */
import { verify as cryptoVerify } from 'node:crypto';
import type { PreparedKey } from '../jwks/key.ts';
import type { DecodedJwt } from './decode.ts';
import { scratchBuffer, view } from './scratch.ts';

/**
 * The signing input and the signature, as views of the scratch buffer: the synchronous
 * `crypto.verify` reads them before returning, and the callback form copies them when called.
 */
function parts(token: string, decoded: DecodedJwt, key: PreparedKey): [Uint8Array, Uint8Array] | undefined {
  // An RS256 signature is exactly as long as the modulus (decode.ts checked the segment is
  // canonical base64url, so its length gives the decoded length).
  if ((decoded.signature.length * 3) >> 2 !== key.modulusBytes) return undefined;
  const inputLength = decoded.signingInputEnd;
  const bytes = scratchBuffer(inputLength + key.modulusBytes);
  // The signing input is base64url and dots (decode.ts): its latin1 encoding is its bytes.
  bytes.write(token, 0, inputLength, 'latin1');
  const n = bytes.write(decoded.signature, inputLength, 'base64url');
  return [view(bytes, 0, inputLength), view(bytes, inputLength, n)];
}

/** True when the token's signature verifies with `key`, on this thread. */
export function verifySignature(token: string, decoded: DecodedJwt, key: PreparedKey): boolean {
  const p = parts(token, decoded, key);
  return p !== undefined && cryptoVerify('RSA-SHA256', p[0], key.keyObject, p[1]);
}

export class SignatureScheduler {
  /** Verifications on the thread pool, not yet answered. */
  #onPool = 0;
  /** A verification ran inline in the current synchronous run (cleared at the next microtask). */
  #inlineNow = false;
  readonly #clear = () => {
    this.#inlineNow = false;
  };

  /**
   * Verifies inline when nothing else is in flight (the result, synchronously), else on the
   * thread pool (a promise of it).
   */
  verify(token: string, decoded: DecodedJwt, key: PreparedKey): boolean | Promise<boolean> {
    if (this.#onPool === 0 && !this.#inlineNow) {
      this.#inlineNow = true;
      // Queued before the caller's continuation: an awaited verification is over by then.
      queueMicrotask(this.#clear);
      return verifySignature(token, decoded, key);
    }
    const p = parts(token, decoded, key);
    if (p === undefined) return false;
    this.#onPool++;
    return new Promise<boolean>((resolve) => {
      cryptoVerify('RSA-SHA256', p[0], key.keyObject, p[1], (error, ok) => {
        this.#onPool--;
        resolve(error === null && ok);
      });
    });
  }
}
