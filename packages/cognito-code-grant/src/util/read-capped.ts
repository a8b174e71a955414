/**
 * Reads a body stream up to a byte cap, stopping (and cancelling the stream) as soon as the cap
 * is passed: an oversized or endless body is never buffered whole.
 */

// RFC 8259 section 8.1: JSON exchanged between systems is UTF-8; bytes that are not are refused
// rather than replaced with U+FFFD (two different bodies must not read as the same text).
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as UTF-8 text, or undefined (stream cancelled) when it is larger than `maxBytes`.
 * With `strictUtf8`, bytes that are not UTF-8 throw a TypeError (`ERR_ENCODING_INVALID_ENCODED_DATA`)
 * instead of becoming U+FFFD.
 */
export async function readStreamCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  strictUtf8 = false,
): Promise<string | undefined> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = Buffer.concat(chunks, total);
  return strictUtf8 ? STRICT_UTF8.decode(bytes) : bytes.toString('utf8');
}

/**
 * A declared Content-Length: undefined when absent, a number when it is a plain decimal, NaN
 * when it is anything else (the caller refuses it as malformed).
 */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  return /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN;
}
