/**
 * The doctor's HTTP: GET with a timeout, no redirects followed (a redirect is an answer to
 * look at), a size cap. Failures are values, not throws: an unreachable host is a finding.
 */
import { readStreamCapped } from '../util/read-capped.ts';

export type Probe =
  | { readonly ok: true; readonly status: number; readonly location: string | null; readonly text: string }
  | { readonly ok: false; readonly reason: string };

const MAX_BYTES = 256 * 1024;

export async function probe(
  url: string,
  doFetch: typeof globalThis.fetch,
  timeoutMs: number,
): Promise<Probe> {
  try {
    const response = await doFetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json, text/html' },
    });
    const text = (await readStreamCapped(response.body, MAX_BYTES)) ?? '';
    return { ok: true, status: response.status, location: response.headers.get('location'), text };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    const cause = e?.cause?.code ?? e?.cause?.message ?? e?.name ?? 'error';
    return { ok: false, reason: `network error (${cause})` };
  }
}

/** Parses a JSON object, or undefined. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
