/**
 * One reusable byte buffer for decoding token segments on the calling thread. Each use writes
 * before it reads and is over before its function returns (nothing here is asynchronous), so it
 * carries no state from one call to the next; it only spares a fresh Buffer per segment, which
 * on distinct tokens was a measurable share of the work besides RSA.
 */
let scratch = Buffer.allocUnsafeSlow(8192);

/** The scratch buffer, at least `bytes` long. Its content is whatever the last use left. */
export function scratchBuffer(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(bytes);
  return scratch;
}

/**
 * A plain Uint8Array over `length` bytes of `buffer` from `start`: what `subarray` gives, without
 * Buffer's subclass constructor (measurable per token, where three views are made).
 */
export function view(buffer: Buffer, start: number, length: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + start, length);
}
