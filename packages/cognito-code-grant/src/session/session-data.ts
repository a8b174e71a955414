/** What a session holds, and its lifetime arithmetic. */
import type { Principal } from '../principal/principal.ts';

export interface SessionState {
  /** Cookie mode: a random id inside the sealed cookie. Store mode: the id part of `id.secret`. */
  readonly sid: string;
  /** The principal established at login (after the hook) and updated at each refresh. */
  readonly principal: Principal;
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  /** Epoch seconds: the access token's `exp`. */
  readonly accessExpiresAt: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms: the absolute end of the session. */
  readonly absoluteExpiresAt: number;
  /** Epoch ms: last time the rolling lifetime was extended. */
  readonly seenAt: number;
}

interface Wire {
  v: 1;
  sid?: string;
  p: Principal;
  at: string;
  rt?: string;
  ax: number;
  ca: number;
  abs: number;
  seen: number;
  /** Store mode only: SHA-256 of the session secret. */
  sh?: string;
}

/** JSON for the cookie (with `sid`) or the store (with the secret hash, without the id). */
export function encodeSession(s: SessionState, mode: 'cookie' | { secretHash: string }): string {
  const wire: Wire = {
    v: 1,
    p: s.principal,
    at: s.accessToken,
    ax: s.accessExpiresAt,
    ca: s.createdAt,
    abs: s.absoluteExpiresAt,
    seen: s.seenAt,
  };
  if (s.refreshToken !== undefined) wire.rt = s.refreshToken;
  if (mode === 'cookie') wire.sid = s.sid;
  else wire.sh = mode.secretHash;
  return JSON.stringify(wire);
}

export interface DecodedSession {
  readonly state: SessionState;
  readonly secretHash: string | undefined;
}

/** Parses session JSON; undefined when it is not a session of this version. */
export function decodeSession(json: string, sidFromCookie?: string): DecodedSession | undefined {
  let w: Wire;
  try {
    w = JSON.parse(json) as Wire;
  } catch {
    return undefined;
  }
  if (typeof w !== 'object' || w === null || w.v !== 1) return undefined;
  const sid = sidFromCookie ?? w.sid;
  if (
    typeof sid !== 'string' ||
    typeof w.at !== 'string' ||
    typeof w.ax !== 'number' ||
    typeof w.ca !== 'number' ||
    typeof w.abs !== 'number' ||
    typeof w.seen !== 'number' ||
    typeof w.p !== 'object' ||
    w.p === null ||
    typeof w.p.sub !== 'string'
  ) {
    return undefined;
  }
  // Frozen once here: a decoded session may be shared by later requests (cookie-mode cache).
  Object.freeze(w.p.groups);
  Object.freeze(w.p.scopes);
  Object.freeze(w.p.claims);
  return {
    state: {
      sid,
      principal: Object.freeze(w.p),
      accessToken: w.at,
      refreshToken: typeof w.rt === 'string' ? w.rt : undefined,
      accessExpiresAt: w.ax,
      createdAt: w.ca,
      absoluteExpiresAt: w.abs,
      seenAt: w.seen,
    },
    secretHash: typeof w.sh === 'string' ? w.sh : undefined,
  };
}

export interface Lifetimes {
  readonly rollingMs: number;
  readonly absoluteMs: number;
}

/** Epoch ms at which the session ends: the sooner of rolling and absolute. */
export function sessionExpiresAt(s: SessionState, l: Lifetimes): number {
  return Math.min(s.seenAt + l.rollingMs, s.absoluteExpiresAt);
}

/**
 * True when the rolling lifetime should be extended now. Extending on every request would write
 * to the store (or re-issue the cookie) each time; a tenth of the window (at least a minute, at
 * most an hour) keeps the session alive at a fraction of the cost.
 */
export function needsTouch(s: SessionState, l: Lifetimes, now: number): boolean {
  if (s.seenAt + l.rollingMs >= s.absoluteExpiresAt) return false;
  const step = Math.min(3_600_000, Math.max(60_000, l.rollingMs / 10));
  return now - s.seenAt >= Math.min(step, l.rollingMs / 2);
}
