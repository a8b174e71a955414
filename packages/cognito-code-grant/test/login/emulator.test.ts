/**
 * Browser login over real HTTP against the emulator, through the Express and the Fastify
 * adapters, in cookie mode (confidential client) and store mode (public client). Time moves with
 * a clock shared by the emulator and the app, so expiry needs no sleep.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  DEMO_POOL_ID,
  type RunningEmulator,
  start,
} from 'cognito-code-grant-emulator';
import express from 'express';
import Fastify from 'fastify';
import { cognitoAuth, mountRoutes } from '../../src/adapters/express.ts';
import { cognito } from '../../src/adapters/fastify.ts';
import { definePool } from '../../src/config/pool.ts';
import { type CognitoLogin, createCognitoLogin } from '../../src/http/login/create-login.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { CookieJar } from './cookie-jar.ts';
import { signInThroughForm } from './hosted-form.ts';

// The demo clients' registered callback and sign-out URLs. The app listens elsewhere (port 0):
// the test carries the code from Cognito's redirect to the real port itself.
const APP = 'http://127.0.0.1:3000';
const SECRET = 'integration-session-secret-with-32-bytes-at-least';

type Adapter = 'express' | 'fastify';
type Mode = 'cookie' | 'store';

interface Harness {
  emu: RunningEmulator;
  login: CognitoLogin;
  base: string;
  clock: { t: number };
  calls: { code: number; refresh: number; revoke: number };
  refreshTokens: string[];
  clientAuth: { clientId: string; clientSecret?: string };
  close(): Promise<void>;
}

async function startHarness(adapter: Adapter, mode: Mode): Promise<Harness> {
  const clock = { t: Date.now() };
  const now = () => clock.t;
  const emu = await start({ port: 0, now });
  const client: { clientId: string; clientSecret?: string } =
    mode === 'cookie' ? DEMO_CLIENTS.web : DEMO_CLIENTS.public;
  const pool = definePool({
    userPoolId: DEMO_POOL_ID,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    domain: emu.url,
    issuer: emu.issuer(),
  });
  const calls = { code: 0, refresh: 0, revoke: 0 };
  const refreshTokens: string[] = [];
  // Counts the library's calls to the token and revoke endpoints (JWKS fetches pass through).
  const countingFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const body = new URLSearchParams(String(init?.body ?? ''));
    if (url.endsWith('/oauth2/token')) {
      if (body.get('grant_type') === 'refresh_token') calls.refresh++;
      else calls.code++;
    }
    if (url.endsWith('/oauth2/revoke')) calls.revoke++;
    const res = await fetch(input, init);
    if (url.endsWith('/oauth2/token') && res.status === 200) {
      const json = (await res.clone().json()) as { refresh_token?: string };
      if (json.refresh_token) refreshTokens.push(json.refresh_token);
    }
    return res;
  };
  const login = createCognitoLogin({
    pool,
    appUrl: APP,
    session:
      mode === 'cookie'
        ? { mode: 'cookie', secrets: [SECRET] }
        : { mode: 'store', store: createMemorySessionStore({ now }), secrets: [SECRET] },
    fetch: countingFetch,
    now,
  });

  let base: string;
  let closeServer: () => Promise<void>;
  if (adapter === 'express') {
    const app = express();
    mountRoutes(app, login.routes, { origin: APP });
    app.get('/api/me', cognitoAuth({ authenticators: [login.authenticator] }), (req, res) => {
      res.json({ sub: req.auth!.sub, groups: req.auth!.groups, source: req.auth!.source });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  } else {
    const app = Fastify();
    await app.register(cognito, {
      authenticators: [login.authenticator],
      defaultMode: 'required',
      routes: login.routes,
      origin: APP,
    });
    app.get('/api/me', async (request) => ({
      sub: request.auth!.sub,
      groups: request.auth!.groups,
      source: request.auth!.source,
    }));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    closeServer = () => app.close();
  }
  return {
    emu,
    login,
    base,
    clock,
    calls,
    refreshTokens,
    clientAuth: client,
    async close() {
      await closeServer();
      await emu.stop();
    },
  };
}

/** A browser: one cookie jar for the app. */
class Browser {
  readonly jar = new CookieJar();
  constructor(readonly h: Harness) {}
  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(this.h.base + path, {
      redirect: 'manual',
      headers: {
        ...headers,
        ...(this.jar.header(path.split('?')[0]) ? { cookie: this.jar.header(path.split('?')[0])! } : {}),
      },
    });
    this.jar.apply(res);
    return res;
  }
  async post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
    const cookie = this.jar.header(path.split('?')[0]);
    const res = await fetch(this.h.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: APP,
        'sec-fetch-site': 'same-origin',
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      body,
    });
    this.jar.apply(res);
    return res;
  }
  /** Starts a login and returns the authorize URL. */
  async startLogin(query = ''): Promise<string> {
    const res = await this.get(`/auth/login${query}`);
    assert.equal(res.status, 302);
    return res.headers.get('location')!;
  }
  /** Brings Cognito's redirect back to the app (on its real port). */
  callback(location: URL, headers: Record<string, string> = {}): Promise<Response> {
    return this.get(location.pathname + location.search, headers);
  }
  async signIn(username = 'admin', query = ''): Promise<Response> {
    const authorize = await this.startLogin(query);
    const back = await signInThroughForm(authorize, username, DEMO_PASSWORD);
    return this.callback(back);
  }
  csrf(): string {
    return this.h.login.csrfToken({ headers: { cookie: this.jar.header('/') } })!;
  }
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: string }).error;
}

const JSON_ACCEPT = { accept: 'application/json' };

for (const adapter of ['express', 'fastify'] as Adapter[]) {
  for (const mode of ['cookie', 'store'] as Mode[]) {
    describe(`browser login through ${adapter} (${mode} mode) against the emulator`, () => {
      let h: Harness;
      before(async () => {
        h = await startHarness(adapter, mode);
      });
      after(async () => {
        await h.close();
      });

      test('full login with the hosted HTML form, then an authenticated API call', async () => {
        const b = new Browser(h);
        const res = await b.signIn('admin', '?returnTo=%2Farticles%3Fmine%3D1');
        assert.equal(res.status, 302);
        assert.equal(res.headers.get('location'), `${APP}/articles?mine=1`);
        const me = await b.get('/api/me');
        assert.equal(me.status, 200);
        const json = (await me.json()) as { sub: string; groups: string[]; source: string };
        assert.deepEqual(json.groups, ['admins', 'editors']);
        assert.equal(json.source, 'session');
        const authMe = await b.get('/auth/me');
        assert.equal(authMe.status, 200);
        const body = (await authMe.json()) as { principal: { username: string }; csrfToken: string };
        assert.equal(body.principal.username, 'admin');
        assert.equal(body.csrfToken, b.csrf());
        assert.equal((await new Browser(h).get('/api/me')).status, 401);
      });

      test('parallel logins in two tabs of one browser both complete', async () => {
        const b = new Browser(h);
        const first = await b.startLogin('?returnTo=/one');
        const second = await b.startLogin('?returnTo=/two');
        const backSecond = await signInThroughForm(second, 'editor', DEMO_PASSWORD);
        const backFirst = await signInThroughForm(first, 'reader', DEMO_PASSWORD);
        assert.equal((await b.callback(backSecond)).headers.get('location'), `${APP}/two`);
        assert.equal((await b.callback(backFirst)).headers.get('location'), `${APP}/one`);
        assert.deepEqual(((await (await b.get('/api/me')).json()) as { groups: string[] }).groups, []);
      });

      test('missing, forged and replayed state are refused before the token endpoint', async () => {
        const b = new Browser(h);
        const authorize = await b.startLogin();
        const back = await signInThroughForm(authorize, 'reader', DEMO_PASSWORD);
        const code = back.searchParams.get('code')!;
        const state = back.searchParams.get('state')!;
        const before = h.calls.code;
        const missing = await b.get(`/auth/callback?code=${code}`, JSON_ACCEPT);
        assert.equal(missing.status, 400);
        assert.equal(await errorCode(missing), 'LOGIN_STATE_MISSING');
        const forged = await b.get(
          `/auth/callback?code=${code}&state=${state.slice(0, -4)}AAAA`,
          JSON_ACCEPT,
        );
        assert.equal(await errorCode(forged), 'LOGIN_STATE_INVALID');
        assert.equal(h.calls.code, before, 'no token request for a bad state');
        const replayJar = b.jar.clone();
        assert.equal((await b.callback(back)).status, 302);
        assert.equal(h.calls.code, before + 1);
        const replayed = await fetch(`${h.base}/auth/callback${back.search}`, {
          redirect: 'manual',
          headers: { cookie: replayJar.header('/auth/callback')!, ...JSON_ACCEPT },
        });
        assert.equal(replayed.status, 400);
        assert.equal(await errorCode(replayed), 'LOGIN_STATE_INVALID');
        assert.equal(h.calls.code, before + 1, 'the replay never reached the token endpoint');
      });

      test('a wrong nonce is refused and nothing is stored', async () => {
        const b = new Browser(h);
        const authorize = new URL(await b.startLogin());
        authorize.searchParams.set('nonce', 'not-the-nonce-of-this-login');
        const back = await signInThroughForm(authorize.href, 'reader', DEMO_PASSWORD);
        const res = await b.callback(back, JSON_ACCEPT);
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'NONCE_MISMATCH');
        assert.equal((await b.get('/api/me')).status, 401);
      });

      test('a reused code is refused by Cognito: 400 CALLBACK_INVALID', async () => {
        const b = new Browser(h);
        const back = await signInThroughForm(await b.startLogin(), 'reader', DEMO_PASSWORD);
        assert.equal((await b.callback(back)).status, 302);
        const again = new URL(await b.startLogin());
        const res = await b.get(
          `/auth/callback?code=${back.searchParams.get('code')}&state=${again.searchParams.get('state')}`,
          JSON_ACCEPT,
        );
        assert.equal(res.status, 400);
        assert.equal(await errorCode(res), 'CALLBACK_INVALID');
      });

      test('an IdP error on the callback is a clear error, HTML by default', async () => {
        const b = new Browser(h);
        // The emulator only knows COGNITO: another provider comes back as ?error=invalid_request.
        const authorize = await b.startLogin('?identity_provider=Facebook');
        const back = await signInThroughForm(authorize, 'reader', DEMO_PASSWORD);
        assert.ok(back.searchParams.get('error'));
        const res = await b.callback(back);
        assert.equal(res.status, 400);
        assert.match(res.headers.get('content-type')!, /text\/html/);
        assert.match(await res.text(), /CALLBACK_IDP_ERROR/);
        assert.equal((await b.get('/api/me')).status, 401);
      });

      test('open-redirect probes on returnTo land on /', async () => {
        for (const probe of [
          '//evil.example',
          '/\\evil.example',
          'https:evil.example',
          '/%2F%2Fevil.example',
          '/%09/evil',
        ]) {
          const b = new Browser(h);
          const res = await b.signIn('reader', `?returnTo=${encodeURIComponent(probe)}`);
          assert.equal(res.headers.get('location'), `${APP}/`, probe);
        }
      });

      test('the session cookie changes at login (fixation) and tampering is refused', async () => {
        const b = new Browser(h);
        await b.signIn('reader');
        const first = b.jar.header('/');
        await b.signIn('editor');
        assert.notEqual(b.jar.header('/'), first);
        const tampered = b.jar.clone();
        for (const c of tampered.cookies.values())
          c.value = `${c.value.slice(0, 12)}${c.value[12] === 'Z' ? 'Y' : 'Z'}${c.value.slice(13)}`;
        const res = await fetch(`${h.base}/api/me`, { headers: { cookie: tampered.header('/')! } });
        assert.equal(res.status, 401);
      });

      test('expiry: 50 concurrent requests refresh once, and the session lives on', async () => {
        const b = new Browser(h);
        await b.signIn('editor');
        h.clock.t += 3600_000 + 5_000; // the demo access tokens live one hour
        const before = h.calls.refresh;
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            fetch(`${h.base}/api/me`, { headers: { cookie: b.jar.header('/')! } }),
          ),
        );
        for (const r of results) assert.equal(r.status, 200);
        assert.equal(h.calls.refresh, before + 1);
        for (const r of results) b.jar.apply(r);
        assert.equal((await b.get('/api/me')).status, 200);
        assert.equal(h.calls.refresh, before + 1);
      });

      test('a refused refresh ends the session', async () => {
        const b = new Browser(h);
        await b.signIn('reader');
        const rt = h.refreshTokens.at(-1)!;
        // Revoke it at Cognito behind the app's back.
        const revoked = await fetch(`${h.emu.url}/oauth2/revoke`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(h.clientAuth.clientSecret
              ? {
                  authorization: `Basic ${Buffer.from(`${h.clientAuth.clientId}:${h.clientAuth.clientSecret}`).toString('base64')}`,
                }
              : {}),
          },
          body: new URLSearchParams({
            token: rt,
            ...(h.clientAuth.clientSecret ? {} : { client_id: h.clientAuth.clientId }),
          }).toString(),
        });
        assert.equal(revoked.status, 200);
        h.clock.t += 3600_000 + 5_000;
        const res = await b.get('/api/me');
        assert.equal(res.status, 401);
        assert.equal(await errorCode(res), 'REFRESH_FAILED');
        assert.equal((await b.get('/auth/me')).status, 401);
      });

      test('logout: CSRF-protected, revokes the refresh token, old cookie stops working', async () => {
        const b = new Browser(h);
        await b.signIn('admin');
        const rt = h.refreshTokens.at(-1)!;
        const captured = b.jar.clone();
        const noToken = await b.post('/auth/logout', '');
        assert.equal(noToken.status, 403);
        const crossSite = await b.post('/auth/logout', `csrf=${b.csrf()}`, {
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        });
        assert.equal(crossSite.status, 403);
        assert.equal((await b.get('/api/me')).status, 200, 'refused logouts change nothing');

        const revokesBefore = h.calls.revoke;
        const res = await b.post('/auth/logout', `csrf=${b.csrf()}`);
        assert.equal(res.status, 303);
        const logoutUrl = new URL(res.headers.get('location')!);
        assert.equal(logoutUrl.origin, h.emu.url);
        assert.equal(logoutUrl.pathname, '/logout');
        assert.equal(logoutUrl.searchParams.get('logout_uri'), `${APP}/`);
        // Cognito's /logout accepts the registered logout_uri and sends the browser back.
        const cognitoLogout = await fetch(logoutUrl, { redirect: 'manual' });
        assert.equal(cognitoLogout.status, 302);
        assert.equal(cognitoLogout.headers.get('location'), `${APP}/`);
        assert.equal(h.calls.revoke, revokesBefore + 1);
        // The emulator now refuses the refresh token.
        const refresh = await fetch(`${h.emu.url}/oauth2/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(h.clientAuth.clientSecret
              ? {
                  authorization: `Basic ${Buffer.from(`${h.clientAuth.clientId}:${h.clientAuth.clientSecret}`).toString('base64')}`,
                }
              : {}),
          },
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: rt,
            ...(h.clientAuth.clientSecret ? {} : { client_id: h.clientAuth.clientId }),
          }).toString(),
        });
        assert.equal(refresh.status, 400);
        assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
        assert.equal((await b.get('/api/me')).status, 401);
        const old = await fetch(`${h.base}/api/me`, { headers: { cookie: captured.header('/')! } });
        assert.equal(old.status, 401, 'a cookie captured before logout no longer works');
      });
    });
  }
}
