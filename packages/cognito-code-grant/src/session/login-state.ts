/**
 * The login-state cookie: `state`, `nonce`, the PKCE verifier and the return path, sealed
 * (AES-256-GCM) for about ten minutes, HttpOnly.
 *
 * Host-only, and on https `__Host-` (so `Path=/`, no Domain), even when the session cookie is
 * shared with a `cookieDomain`: a browser accepts a `__Host-` cookie only from this very host,
 * so a login state planted from a sibling subdomain (`Domain=<parent>`, a name without the
 * prefix) is never read, and cannot sign the victim into the attacker's account.
 *
 * Parallel logins (several tabs): each login gets its own cookie, named after a hash of its
 * `state` (`ccg-session-login.<hash>` with the default session cookie name), so one tab's login
 * never overwrites another's. The callback finds its cookie from the `state` it receives, and
 * clears it. The number of live login cookies is bounded: starting a login clears expired ones
 * and the oldest beyond the cap.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type CookieAttributes, clearCookie, serializeCookie } from './cookies.ts';
import type { KeyRing } from './keys.ts';
import { seal, unseal } from './seal.ts';

export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** The exact redirect_uri sent to authorize (the token request must repeat it). */
  readonly redirectUri: string;
  /** Validated same-origin path. */
  readonly returnTo: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface LoginStateCookies {
  /** Base name, e.g. `ccg-session-login` (the session cookie's name + `-login`); `__Host-` is prepended on https. */
  readonly baseName: string;
  readonly secure: boolean;
  readonly ring: KeyRing;
  /** Maximum simultaneous logins per browser (default 5). */
  readonly maxParallel: number;
}

export type LoginStateResult =
  | { readonly kind: 'ok'; readonly value: LoginState; readonly cookieName: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly cookieName?: string };

function namePrefix(c: LoginStateCookies): string {
  return `${c.secure ? '__Host-' : ''}${c.baseName}.`;
}

/** The cookie name for a given `state`. */
export function loginStateCookieName(c: LoginStateCookies, state: string): string {
  return namePrefix(c) + createHash('sha256').update(state).digest('base64url').slice(0, 16);
}

function attrs(c: LoginStateCookies, maxAge: number): CookieAttributes {
  return { maxAge, path: '/', secure: c.secure, httpOnly: true, sameSite: 'Lax' };
}

function parse(json: string | undefined): LoginState | undefined {
  if (json === undefined) return undefined;
  try {
    const v = JSON.parse(json) as Record<string, unknown>;
    const ok =
      typeof v['state'] === 'string' &&
      typeof v['nonce'] === 'string' &&
      typeof v['codeVerifier'] === 'string' &&
      typeof v['redirectUri'] === 'string' &&
      typeof v['returnTo'] === 'string' &&
      typeof v['createdAt'] === 'number' &&
      typeof v['expiresAt'] === 'number';
    return ok ? (v as unknown as LoginState) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `Set-Cookie` values for a new login: its sealed state, plus deletions of expired login cookies
 * and of the oldest ones beyond `maxParallel`.
 */
export function writeLoginState(
  c: LoginStateCookies,
  value: LoginState,
  present: ReadonlyMap<string, string>,
  now: number,
): string[] {
  const name = loginStateCookieName(c, value.state);
  const maxAge = Math.max(1, Math.ceil((value.expiresAt - now) / 1000));
  const out = [serializeCookie(name, seal(c.ring, name, JSON.stringify(value)), attrs(c, maxAge))];
  const live: { name: string; createdAt: number }[] = [];
  const prefix = namePrefix(c);
  for (const [n, v] of present) {
    if (!n.startsWith(prefix) || n === name) continue;
    const s = parse(unseal(c.ring, n, v));
    if (!s || s.expiresAt <= now) out.push(clearCookie(n, attrs(c, 0)));
    else live.push({ name: n, createdAt: s.createdAt });
  }
  live.sort((a, b) => b.createdAt - a.createdAt);
  for (const old of live.slice(Math.max(0, c.maxParallel - 1))) out.push(clearCookie(old.name, attrs(c, 0)));
  return out;
}

/** Finds and opens the login state for the `state` a callback received. */
export function readLoginState(
  c: LoginStateCookies,
  state: string,
  present: ReadonlyMap<string, string>,
  now: number,
): LoginStateResult {
  const name = loginStateCookieName(c, state);
  const sealed = present.get(name);
  if (sealed === undefined || sealed === '') {
    // Some login cookie exists but none for this state: a forged or foreign state.
    const prefix = namePrefix(c);
    for (const n of present.keys()) if (n.startsWith(prefix)) return { kind: 'invalid' };
    return { kind: 'missing' };
  }
  const value = parse(unseal(c.ring, name, sealed));
  if (!value || value.expiresAt <= now) return { kind: 'invalid', cookieName: name };
  const a = Buffer.from(value.state);
  const b = Buffer.from(state);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { kind: 'invalid', cookieName: name };
  return { kind: 'ok', value, cookieName: name };
}

/** The `Set-Cookie` value deleting one login-state cookie. */
export function clearLoginState(c: LoginStateCookies, cookieName: string): string {
  return clearCookie(cookieName, attrs(c, 0));
}
