/**
 * Reads a body stream up to a byte cap, stopping (and cancelling the stream) as soon as the cap
 * is passed: an oversized or endless body is never buffered whole.
 */

/** The body as UTF-8 text, or undefined (stream cancelled) when it is larger than `maxBytes`. */
export async function readStreamCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
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
  return Buffer.concat(chunks, total).toString('utf8');
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
