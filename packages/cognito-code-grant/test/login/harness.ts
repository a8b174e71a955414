/** Drives createCognitoLogin's routes in-process with a cookie jar and the fake Cognito. */
import { type CognitoLoginOptions, createCognitoLogin } from '../../src/http/login/create-login.ts';
import type { RequestLike } from '../../src/http/types.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import type { TestUser } from '../../src/testing/tokens.ts';
import { CookieJar } from './cookie-jar.ts';
import { type FakeCognito, createFakeCognito } from './fake-cognito.ts';

export const APP = 'https://app.example.test';
export const SECRET = 'a-test-session-secret-of-at-least-32-bytes!';

export type Mode = 'cookie' | 'store';

export function setup(mode: Mode, extra: Partial<CognitoLoginOptions> & { clientSecret?: string } = {}) {
  const clock = { t: Date.UTC(2026, 10, 23, 12, 0, 0) };
  const now = () => clock.t;
  const fake: FakeCognito = createFakeCognito({ now, clientSecret: extra.clientSecret });
  const store = createMemorySessionStore({ now });
  const { clientSecret: _ignored, ...rest } = extra;
  const login = createCognitoLogin({
    pool: fake.pool,
    appUrl: APP,
    session:
      mode === 'cookie' ? { mode: 'cookie', secrets: [SECRET] } : { mode: 'store', store, secrets: [SECRET] },
    fetch: fake.fetch,
    now,
    ...rest,
  });
  const jar = new CookieJar();

  async function call(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    init: { headers?: Record<string, string>; body?: string; jar?: CookieJar } = {},
  ): Promise<Response> {
    const path = pathAndQuery.split('?')[0]!;
    const route = login.routes.find((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`no route ${method} ${path}`);
    const j = init.jar ?? jar;
    const headers = new Headers(init.headers);
    const cookie = j.header(path);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const res = await route.handle(new Request(APP + pathAndQuery, { method, headers, body: init.body }));
    j.apply(res);
    return res;
  }

  /** A full login as `user`; returns the callback response. */
  async function signIn(user: TestUser = {}, returnTo = '/', j: CookieJar = jar): Promise<Response> {
    const start = await call('GET', `/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { jar: j });
    const { code, state } = fake.authorize(start.headers.get('location')!, user);
    return call('GET', `/auth/callback?code=${code}&state=${encodeURIComponent(state)}`, { jar: j });
  }

  function requestLike(j: CookieJar = jar, url = '/api/x'): RequestLike {
    const cookie = j.header(url);
    return { method: 'GET', url, header: (n) => (n === 'cookie' ? cookie : undefined) };
  }

  /** Authenticates like an adapter would, applying Set-Cookie to the jar. */
  async function authenticate(j: CookieJar = jar) {
    const out = await login.authenticator.authenticate(requestLike(j));
    j.apply(out.setCookies);
    return out;
  }

  /** Another process of the same app: the same Cognito fake and clock, its own session config. */
  function otherProcess(session: CognitoLoginOptions['session'], more: Partial<CognitoLoginOptions> = {}) {
    return createCognitoLogin({ pool: fake.pool, appUrl: APP, session, fetch: fake.fetch, now, ...more });
  }

  /** Lets work started in the background (a store-mode refresh) finish: event-loop turns, no clock. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  return { clock, fake, store, login, jar, call, signIn, authenticate, requestLike, otherProcess, settle };
}
