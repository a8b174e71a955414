/** What a session holds, and its lifetime arithmetic. */
import type { CognitoClaims } from '../jwt/claims.ts';
import type { Principal } from '../principal/principal.ts';
import { sessionPrincipalFromClaims } from '../principal/session-principal.ts';

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

/** What every version of the wire form holds besides the principal and the access token. */
interface WireCommon {
  sid?: string;
  rt?: string;
  ax: number;
  ca: number;
  abs: number;
  seen: number;
  /** Store mode only: SHA-256 of the session secret. */
  sh?: string;
}

/** Version 1 (still read): the principal stored whole, next to the access token. */
interface WireV1 extends WireCommon {
  v: 1;
  p: Principal;
  at: string;
}

/**
 * Version 2: each thing once. The access token (its payload kept as claims, not base64, when
 * that gives the exact same token back) and the ID-token claims; the principal is rebuilt from
 * them on read (and cached by the backends). A user's groups are in both tokens: the ID-token
 * copy is left out (`g: 1`, its place kept by a 0) when it equals the access token's.
 */
interface WireV2 extends WireCommon {
  v: 2;
  /** ID-token claims (the principal's `claims`). */
  ic: Record<string, unknown>;
  /** 1: `ic['cognito:groups']` is the access token's. */
  g?: 1;
  /** The access token as received, or its header, payload claims and signature. */
  at?: string;
  ah?: string;
  ap?: Record<string, unknown>;
  as?: string;
  /** The principal's userPoolId (its issuer is `ic.iss`). */
  pid: string;
  /** The principal's replicaUserId. */
  rid?: string | number;
}

const GROUPS = 'cognito:groups';

/** The access token's claims, and whether its payload re-serialises to the very same bytes. */
function accessParts(
  token: string,
): { header: string; claims: Record<string, unknown>; signature: string; exact: boolean } | undefined {
  const [header, payload, signature, extra] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || extra !== undefined)
    return undefined;
  try {
    const text = Buffer.from(payload, 'base64url').toString('utf8');
    const claims = JSON.parse(text) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    const exact =
      JSON.stringify(claims) === text && Buffer.from(text, 'utf8').toString('base64url') === payload;
    return { header, claims: claims as Record<string, unknown>, signature, exact };
  } catch {
    return undefined;
  }
}

function sameGroups(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((g, i) => g === b[i]);
}

/** The claims and principal of a v2 session, or undefined when they are not well formed. */
function rebuild(w: WireV2): { principal: Principal; accessToken: string } | undefined {
  let accessToken: string;
  let accessClaims: Record<string, unknown>;
  if (typeof w.at === 'string') {
    const parts = accessParts(w.at);
    if (!parts) return undefined;
    accessToken = w.at;
    accessClaims = parts.claims;
  } else {
    if (typeof w.ah !== 'string' || typeof w.as !== 'string' || typeof w.ap !== 'object' || w.ap === null)
      return undefined;
    accessClaims = w.ap;
    accessToken = `${w.ah}.${Buffer.from(JSON.stringify(w.ap), 'utf8').toString('base64url')}.${w.as}`;
  }
  if (typeof w.ic !== 'object' || w.ic === null || typeof w.pid !== 'string') return undefined;
  const claims = { ...w.ic };
  if (w.g === 1) claims[GROUPS] = accessClaims[GROUPS];
  if (typeof claims['sub'] !== 'string' || typeof claims['iss'] !== 'string') return undefined;
  deepFreeze(claims);
  const principal = sessionPrincipalFromClaims(
    claims as unknown as CognitoClaims,
    accessClaims as unknown as CognitoClaims,
    { issuer: claims['iss'] as string, userPoolId: w.pid },
    typeof w.rid === 'string' || typeof w.rid === 'number' ? w.rid : undefined,
  );
  return { principal, accessToken };
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  for (const v of Object.values(value)) deepFreeze(v);
  Object.freeze(value);
}

/** The v2 form of a session, or undefined when its principal could not be rebuilt exactly from it. */
function encodeV2(s: SessionState): WireV2 | undefined {
  const p = s.principal;
  const access = accessParts(s.accessToken);
  if (!access) return undefined;
  const ic: Record<string, unknown> = { ...p.claims };
  const w: WireV2 = {
    v: 2,
    ic,
    pid: p.userPoolId,
    ax: s.accessExpiresAt,
    ca: s.createdAt,
    abs: s.absoluteExpiresAt,
    seen: s.seenAt,
  };
  if (ic[GROUPS] !== undefined && sameGroups(ic[GROUPS], access.claims[GROUPS])) {
    ic[GROUPS] = 0;
    w.g = 1;
  }
  if (access.exact) {
    w.ah = access.header;
    w.ap = access.claims;
    w.as = access.signature;
  } else {
    w.at = s.accessToken;
  }
  if (p.replicaUserId !== undefined) w.rid = p.replicaUserId;
  // A hook may have changed more than replicaUserId: then the principal is stored whole (v1).
  const back = rebuild(w);
  if (!back || back.accessToken !== s.accessToken || JSON.stringify(back.principal) !== JSON.stringify(p))
    return undefined;
  return w;
}

/** JSON for the cookie (with `sid`) or the store (with the secret hash, without the id). */
export function encodeSession(s: SessionState, mode: 'cookie' | { secretHash: string }): string {
  const wire: WireV1 | WireV2 = encodeV2(s) ?? {
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

/** The principal and access token of a v1 session (stored whole). */
function fromV1(w: WireV1): { principal: Principal; accessToken: string } | undefined {
  if (typeof w.at !== 'string' || typeof w.p !== 'object' || w.p === null || typeof w.p.sub !== 'string')
    return undefined;
  // Frozen once here: a decoded session may be shared by later requests (cookie-mode cache).
  Object.freeze(w.p.groups);
  Object.freeze(w.p.scopes);
  Object.freeze(w.p.claims);
  return { principal: Object.freeze(w.p), accessToken: w.at };
}

/** Parses session JSON; undefined when it is not a session of a known version. */
export function decodeSession(json: string, sidFromCookie?: string): DecodedSession | undefined {
  let w: WireV1 | WireV2;
  try {
    w = JSON.parse(json) as WireV1 | WireV2;
  } catch {
    return undefined;
  }
  if (typeof w !== 'object' || w === null || (w.v !== 1 && w.v !== 2)) return undefined;
  const sid = sidFromCookie ?? w.sid;
  if (
    typeof sid !== 'string' ||
    typeof w.ax !== 'number' ||
    typeof w.ca !== 'number' ||
    typeof w.abs !== 'number' ||
    typeof w.seen !== 'number'
  ) {
    return undefined;
  }
  const held = w.v === 1 ? fromV1(w) : rebuild(w);
  if (!held) return undefined;
  return {
    state: {
      sid,
      principal: held.principal,
      accessToken: held.accessToken,
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
