/**
 * Logout CSRF defence: a per-session token (HMAC of the session id, so nothing extra is stored)
 * compared in constant time, plus a same-origin check on `Origin` / `Sec-Fetch-Site`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from './keys.ts';

/** The CSRF token of a session, for the logout form's hidden `csrf` field. */
export function csrfTokenFor(ring: KeyRing, sessionId: string): string {
  const k = ring.keys[0];
  if (!k) throw new Error('empty key ring');
  return createHmac('sha256', k.key).update(sessionId).digest('base64url');
}

/** Constant-time check of a presented token against every key of the ring (rotation). */
export function csrfTokenMatches(ring: KeyRing, sessionId: string, presented: string | undefined): boolean {
  if (typeof presented !== 'string' || presented.length !== 43) return false;
  const given = Buffer.from(presented);
  let ok = false;
  for (const k of ring.keys) {
    const expected = Buffer.from(createHmac('sha256', k.key).update(sessionId).digest('base64url'));
    // No early exit: every key is compared.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/**
 * Refuses cross-site requests: `Sec-Fetch-Site` (when sent) must be `same-origin`, and `Origin`
 * (when sent) must equal one of `allowedOrigins`. Browsers send at least one of them on a POST.
 */
export function isSameOriginRequest(
  header: (name: string) => string | null | undefined,
  allowedOrigins: readonly string[],
): boolean {
  const site = header('sec-fetch-site');
  if (site != null && site !== 'same-origin') return false;
  const origin = header('origin');
  if (origin != null && !allowedOrigins.includes(origin)) return false;
  return true;
}
