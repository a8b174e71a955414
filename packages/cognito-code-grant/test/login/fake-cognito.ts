/**
 * An in-process fake of Cognito's token, revoke and JWKS endpoints behind an injected fetch, for
 * unit tests of the login handlers (no network). The emulator covers the same flows over HTTP.
 */
import { createHash } from 'node:crypto';
import { type PoolConfig, definePool } from '../../src/config/pool.ts';
import { type TestPool, type TestUser, createTestPool } from '../../src/testing/tokens.ts';

export interface FakeCognito {
  readonly pool: PoolConfig;
  readonly testPool: TestPool;
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Simulates the hosted UI: takes the authorize URL, returns the callback query. */
  authorize(
    location: string,
    user?: TestUser,
    overrides?: { nonce?: string },
  ): { code: string; state: string };
  readonly calls: { token: number; refresh: number; revoke: number; jwks: number };
  readonly revoked: Set<string>;
  /** Makes the next refreshes fail with this OAuth error, or an HTTP 503 for 'network'. */
  failRefresh: string | undefined;
  /** Return a new refresh token on refresh (rotation). */
  rotate: boolean;
  /** Delay (ms) of token-endpoint answers, to let concurrent requests pile up. */
  delayMs: number;
  /** Access-token lifetime in seconds. */
  lifetime: number;
  /** The last Authorization header and body seen at the token endpoint. */
  lastTokenRequest: { authorization: string | null; body: URLSearchParams } | undefined;
  /** Extra claims of the ID tokens issued (given the access token issued with each). */
  idClaims: ((accessToken: string) => Record<string, unknown>) | undefined;
  /** Extra claims of the ID tokens a refresh returns (given the access token returned with each). */
  refreshIdClaims: ((accessToken: string) => Record<string, unknown>) | undefined;
  /** When set, refresh answers wait for it (a slow token endpoint the test releases). */
  refreshGate: Promise<void> | undefined;
  /** Called when a refresh request arrives (before the gate). */
  onRefresh: (() => void) | undefined;
  /** Length of the refresh tokens issued (Cognito's are encrypted JWTs of about 1 800 characters). */
  refreshTokenLength: number;
  /** Extra members of the code-grant token response (a `scope`, say). */
  codeResponseExtra: Record<string, unknown> | undefined;
  /** Every access token issued, last one last (they carry `origin_jti` as Cognito's do). */
  readonly accessTokens: string[];
}

// RSA key generation is slow: one test pool per process, its clock pointed at the current test's.
let sharedPool: TestPool | undefined;
let sharedNow: () => number = Date.now;

export function createFakeCognito(options: {
  now: () => number;
  clientSecret?: string;
  domain?: string;
}): FakeCognito {
  sharedNow = options.now;
  sharedPool ??= createTestPool({ now: () => sharedNow(), lifetimeSeconds: 3600 });
  const testPool = sharedPool;
  const domain = options.domain ?? 'https://auth.example.test';
  const pool = definePool({
    userPoolId: testPool.userPoolId,
    clientId: testPool.clientId,
    clientSecret: options.clientSecret,
    domain,
  });
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; user: TestUser }>();
  const refreshTokens = new Map<string, TestUser>();
  // As Cognito: every token issued from one refresh token (and its rotations) shares origin_jti.
  const origins = new Map<string, string>();
  const issue = (user: TestUser, claims: Record<string, unknown>, origin: string) => {
    const token = testPool.accessToken(user, { claims: { ...claims, origin_jti: origin } });
    fake.accessTokens.push(token);
    return token;
  };
  let counter = 0;
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  const fake: FakeCognito = {
    pool,
    testPool,
    calls: { token: 0, refresh: 0, revoke: 0, jwks: 0 },
    revoked: new Set(),
    failRefresh: undefined,
    rotate: false,
    delayMs: 0,
    lifetime: 3600,
    lastTokenRequest: undefined,
    idClaims: undefined,
    refreshIdClaims: undefined,
    refreshTokenLength: 0,
    refreshGate: undefined,
    onRefresh: undefined,
    codeResponseExtra: undefined,
    accessTokens: [],
    authorize(location, user = {}, overrides = {}) {
      const url = new URL(location);
      const p = url.searchParams;
      if (p.get('code_challenge_method') !== 'S256') throw new Error('PKCE S256 missing');
      const code = `code-${++counter}`;
      codes.set(code, {
        nonce: overrides.nonce ?? p.get('nonce')!,
        challenge: p.get('code_challenge')!,
        redirectUri: p.get('redirect_uri')!,
        user,
      });
      return { code, state: p.get('state')! };
    },
    fetch: async (input, init) => {
      const url = new URL(input);
      if (url.href === testPool.jwksUri) {
        fake.calls.jwks++;
        return json(testPool.jwks());
      }
      if (fake.delayMs > 0) await new Promise((r) => setTimeout(r, fake.delayMs));
      const body = new URLSearchParams(String(init.body ?? ''));
      const authorization = new Headers(init.headers).get('authorization');
      if (options.clientSecret !== undefined) {
        // client_secret_basic (raw, as Cognito documents it) or client_secret_post.
        const expected = `Basic ${Buffer.from(`${pool.clientId}:${options.clientSecret}`).toString('base64')}`;
        const posted =
          authorization === null &&
          body.get('client_id') === pool.clientId &&
          body.get('client_secret') === options.clientSecret;
        if (authorization !== expected && !posted) return json({ error: 'invalid_client' }, 400);
      } else if (body.get('client_id') !== pool.clientId) {
        return json({ error: 'invalid_client' }, 400);
      }
      const lifetime = fake.lifetime;
      const now = Math.floor(options.now() / 1000);
      const times = { iat: now, auth_time: now, exp: now + lifetime };
      if (url.pathname === '/oauth2/token') {
        fake.lastTokenRequest = { authorization, body };
        const grant = body.get('grant_type');
        if (grant === 'authorization_code') {
          fake.calls.token++;
          const entry = codes.get(body.get('code') ?? '');
          codes.delete(body.get('code') ?? '');
          if (!entry) return json({ error: 'invalid_grant' }, 400);
          const challenge = createHash('sha256')
            .update(body.get('code_verifier') ?? '')
            .digest('base64url');
          if (challenge !== entry.challenge || body.get('redirect_uri') !== entry.redirectUri) {
            return json({ error: 'invalid_grant' }, 400);
          }
          const refresh = `rt-${++counter}`.padEnd(fake.refreshTokenLength, 'r');
          refreshTokens.set(refresh, entry.user);
          const origin = `origin-${counter}-${Math.random().toString(36).slice(2)}`;
          origins.set(refresh, origin);
          const accessToken = issue(entry.user, times, origin);
          const extra = fake.idClaims?.(accessToken) ?? {};
          return json({
            id_token: testPool.idToken(entry.user, {
              claims: { nonce: entry.nonce, ...times, origin_jti: origin, ...extra },
            }),
            access_token: accessToken,
            refresh_token: refresh,
            token_type: 'Bearer',
            expires_in: lifetime,
            ...fake.codeResponseExtra,
          });
        }
        if (grant === 'refresh_token') {
          fake.calls.refresh++;
          fake.onRefresh?.();
          if (fake.refreshGate) await fake.refreshGate;
          const rt = body.get('refresh_token') ?? '';
          if (fake.failRefresh === 'network') return new Response('busy', { status: 503 });
          if (fake.failRefresh) return json({ error: fake.failRefresh }, 400);
          const user = refreshTokens.get(rt);
          if (!user || fake.revoked.has(rt)) return json({ error: 'invalid_grant' }, 400);
          const origin = origins.get(rt) ?? 'origin-unknown';
          const accessToken = issue(user, times, origin);
          const extra = { ...fake.idClaims?.(accessToken), ...fake.refreshIdClaims?.(accessToken) };
          const out: Record<string, unknown> = {
            id_token: testPool.idToken(user, { claims: { ...times, origin_jti: origin, ...extra } }),
            access_token: accessToken,
            token_type: 'Bearer',
            expires_in: lifetime,
          };
          if (fake.rotate) {
            const next = `rt-${++counter}`;
            refreshTokens.set(next, user);
            origins.set(next, origin);
            out['refresh_token'] = next;
          }
          return json(out);
        }
        return json({ error: 'unsupported_grant_type' }, 400);
      }
      if (url.pathname === '/oauth2/revoke') {
        fake.calls.revoke++;
        fake.revoked.add(body.get('token') ?? '');
        return new Response(null, { status: 200 });
      }
      return new Response('not found', { status: 404 });
    },
  };
  return fake;
}
