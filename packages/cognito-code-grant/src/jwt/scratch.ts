/**
 * One reusable byte buffer for decoding token segments on the calling thread. It spares a fresh
 * Buffer per segment, which on distinct tokens was a measurable share of the work besides RSA.
 * Each use writes before it reads and is over before its function returns (nothing here is
 * asynchronous). One exception carries over, and only while marked: `decodeJwt` leaves the
 * token's bytes and decoded signature for the RSA check (`holdToken`), and every other use,
 * through `scratchBuffer()`, clears the mark.
 */
let scratch = Buffer.allocUnsafeSlow(8192);
/** All of `scratch`, for `TextEncoder.encodeInto`. */
let whole = view(scratch, 0, scratch.length);
const encoder = new TextEncoder();
/** The token whose bytes the scratch holds as `decodeJwt` left them (see `holdToken`). */
let heldToken: string | undefined;
/** The buffer `writeAscii` last wrote a token into: only it can hold that token. */
let writtenIn: Buffer | undefined;

/** The scratch buffer, at least `bytes` long. Its content is whatever the last use left. */
export function scratchBuffer(bytes: number): Buffer {
  heldToken = undefined;
  if (scratch.length < bytes) {
    scratch = Buffer.allocUnsafeSlow(bytes);
    whole = view(scratch, 0, bytes);
  }
  return scratch;
}

/**
 * Writes `text` as UTF-8 at the start of the scratch, first made at least `bytes` long (and as
 * long as `text`); true when every character took one byte, i.e. `text` is ASCII. One native
 * pass, where `Buffer.byteLength` and then a latin1 write took two (measured per token).
 */
export function writeAscii(text: string, bytes: number): boolean {
  writtenIn = scratchBuffer(Math.max(bytes, text.length));
  const { read, written } = encoder.encodeInto(text, whole);
  return read === text.length && written === text.length;
}

/**
 * Marks the scratch as holding `token` as `decodeJwt` left it: the token's bytes from 0 (its
 * signing input among them) and its decoded signature right after them, so the RSA check does
 * not write either again. Any later use of the scratch forgets the mark.
 */
export function holdToken(token: string): void {
  // A scratch replaced since `writeAscii` (grown for a segment) does not have the token's bytes.
  heldToken = scratch === writtenIn ? token : undefined;
}

/**
 * True when the scratch still holds `token` as `holdToken` marked it (a token equal in content
 * has the same bytes) and is at least `bytes` long. Forgets the mark: the caller is about to use
 * the scratch.
 */
export function takeHeldToken(token: string, bytes: number): boolean {
  const held = heldToken === token && scratch.length >= bytes;
  heldToken = undefined;
  return held;
}

/**
 * A plain Uint8Array over `length` bytes of `buffer` from `start`: what `subarray` gives, without
 * Buffer's subclass constructor (measurable per token, where three views are made).
 */
export function view(buffer: Buffer, start: number, length: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + start, length);
}
