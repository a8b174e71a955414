/** Store-mode backends for tests: two app instances (backends) over stores that share data. */
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../src/principal/principal.ts';
import { type Cookies, createStoreBackend, type StoreBackendOptions } from '../../src/session/backends.ts';
import type { SessionState } from '../../src/session/session-data.ts';

export const lifetimes = { rollingMs: 3_600_000, absoluteMs: 86_400_000 };

export function sessionOf(sub: string, t: number, accessToken = `at-${sub}`): Omit<SessionState, 'sid'> {
  const principal: Principal = {
    sub,
    username: sub,
    email: undefined,
    emailVerified: undefined,
    groups: [],
    scopes: [],
    tokenUse: 'access',
    clientId: 'client',
    isMachine: false,
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test',
    userPoolId: 'eu-west-1_test',
    expiresAt: Math.floor(t / 1000) + 3600,
    source: 'session',
    claims: {} as Principal['claims'],
  };
  return {
    principal,
    accessToken,
    refreshToken: `rt-${sub}`,
    accessExpiresAt: Math.floor(t / 1000) + 3600,
    createdAt: t,
    absoluteExpiresAt: t + lifetimes.absoluteMs,
    seenAt: t,
  };
}

/** The Cookie map a browser would send back after `setCookies`. */
export function jar(setCookies: readonly string[]): Cookies {
  const first = setCookies[0]!.split(';')[0]!;
  const eq = first.indexOf('=');
  return new Map([[first.slice(0, eq), first.slice(eq + 1)]]);
}

export function backend(
  store: StoreBackendOptions['store'],
  now: () => number,
  extra: Partial<StoreBackendOptions> = {},
) {
  return createStoreBackend({
    cookieName: 'ccg-test-session',
    attributes: { path: '/', secure: false, httpOnly: true, sameSite: 'Lax' },
    lifetimes,
    random: randomBytes,
    now,
    store,
    ...extra,
  });
}
