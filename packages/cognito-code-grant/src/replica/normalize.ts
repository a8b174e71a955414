/**
 * Turns the three shapes Cognito describes a user with (token claims, trigger `userAttributes`,
 * admin-API `Attributes`) into one string-valued attribute map, and fingerprints the fields the
 * replica stores so an unchanged user costs no write.
 */
import { hash } from 'node:crypto';
import type { Principal } from '../principal/principal.ts';

/** Token claims that are about the token, not about the user. */
const NON_ATTRIBUTE_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'auth_time',
  'jti',
  'origin_jti',
  'event_id',
  'token_use',
  'client_id',
  'scope',
  'version',
  'at_hash',
  'c_hash',
  'nonce',
  'username',
  'cognito:username',
  'cognito:groups',
  'cognito:roles',
  'cognito:preferred_role',
  'amr',
  'acr',
  'azp',
]);

/** A claim value as the admin API would show it: strings as is, the rest JSON (booleans as "true"). */
function asAttributeValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** User attributes carried by a principal's claims (an access token carries none). */
export function attributesFromClaims(claims: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (NON_ATTRIBUTE_CLAIMS.has(name)) continue;
    const v = asAttributeValue(value);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Trigger `userAttributes` (already strings; `sub` is kept out: it is a column). */
export function attributesFromRecord(record: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'sub') continue;
    const v = asAttributeValue(value);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Admin-API `Attributes: [{ Name, Value }]`, as the SDK gives it or as read from the answer's
 * JSON (sync/raw-user-pages.ts): string names and values only, anything else skipped.
 */
export function attributesFromList(list: unknown): {
  sub: string | undefined;
  attributes: Record<string, string>;
} {
  const attributes: Record<string, string> = {};
  let sub: string | undefined;
  if (!Array.isArray(list)) return { sub, attributes };
  for (const a of list as { Name?: unknown; Value?: unknown }[]) {
    if (a === null || typeof a !== 'object') continue;
    const { Name: name, Value: value } = a;
    if (typeof name !== 'string' || name === '' || typeof value !== 'string') continue;
    if (name === 'sub') sub = value;
    else attributes[name] = value;
  }
  return { sub, attributes };
}

/** Sorted copy, so the stored JSON and the fingerprint do not depend on claim order. */
export function sortAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(attributes).sort()) out[k] = attributes[k] as string;
  return out;
}

export interface FingerprintInput {
  readonly username: string | null;
  readonly status: string | null;
  readonly enabled: boolean;
  readonly attributes: Readonly<Record<string, string>>;
}

/** SHA-256 (hex) of the stored user fields; memberships are compared separately. */
export function userFingerprint(input: FingerprintInput): string {
  return sortedFingerprint({ ...input, attributes: sortAttributes(input.attributes) });
}

/** userFingerprint of attributes already sorted (userFields sorts them once for both uses). */
export function sortedFingerprint(input: FingerprintInput): string {
  const json = JSON.stringify([input.username, input.status, input.enabled, input.attributes]);
  // One-shot hash: no Hash object per user (the sync computes one per listed user).
  return hash('sha256', json, 'hex');
}

export function emailOf(attributes: Readonly<Record<string, string>>): string | null {
  return attributes.email ?? null;
}

export function emailVerifiedOf(attributes: Readonly<Record<string, string>>): boolean | null {
  const v = attributes.email_verified;
  return v === undefined ? null : v === 'true';
}

/** Lower-cased email for the case-insensitive index; null when it does not fit the column. */
export function emailLowerOf(email: string | null): string | null {
  if (email === null) return null;
  const lower = email.toLowerCase();
  return lower.length > 320 ? null : lower;
}

/** The user fields a principal's token tells us about. */
export function principalFacts(principal: Principal): {
  username: string | null;
  attributes: Record<string, string>;
  groups: string[];
  federated: boolean;
} {
  const attributes = attributesFromClaims(principal.claims as Record<string, unknown>);
  if (principal.email !== undefined) attributes.email = principal.email;
  if (principal.emailVerified !== undefined) attributes.email_verified = String(principal.emailVerified);
  return {
    username: principal.username,
    attributes,
    groups: uniqueSorted(principal.groups),
    federated: principal.claims.identities !== undefined,
  };
}

/** Sorted by code unit, duplicates removed. */
export function uniqueSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
