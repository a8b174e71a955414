/**
 * The origin deny-list end to end against the emulator, which issues origin_jti as Cognito does
 * (one per refresh token, in the ID and the access token): a user signs in through the hosted
 * form, their access token works on the app's bearer API, the browser logs out, and the same
 * access token is then refused with TOKEN_REVOKED, while another user's token still works.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { DEMO_CLIENTS, DEMO_PASSWORD, DEMO_POOL_ID, start } from 'cognito-code-grant-emulator';
import express from 'express';
import { cognitoAuth, mountRoutes } from '../../src/adapters/express.ts';
import { definePool } from '../../src/config/pool.ts';
import { createBearerAuthenticator } from '../../src/http/bearer.ts';
import { createCognitoLogin } from '../../src/http/login/create-login.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { createOriginDenylist } from '../../src/session/origin-denylist.ts';
import { originOfToken } from '../../src/session/session-origin.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { CookieJar } from './cookie-jar.ts';
import { signInThroughForm } from './hosted-form.ts';

const APP = 'http://127.0.0.1:3000';
const SECRET = 'integration-session-secret-with-32-bytes-at-least';

test('against the emulator: after a logout the session access token is refused by the bearer API', async () => {
  const emu = await start({ port: 0 });
  const pool = definePool({
    userPoolId: DEMO_POOL_ID,
    clientId: DEMO_CLIENTS.public.clientId,
    domain: emu.url,
    issuer: emu.issuer(),
  });
  const accessTokens: string[] = [];
  // Keeps each access token Cognito returns, as an API client of the same session would hold it.
  const keeping = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (String(input).endsWith('/oauth2/token') && res.status === 200) {
      accessTokens.push(((await res.clone().json()) as { access_token: string }).access_token);
    }
    return res;
  };
  const store = createMemorySessionStore();
  const denylist = createOriginDenylist({ store });
  await denylist.ready();
  const login = createCognitoLogin({
    pool,
    appUrl: APP,
    session: { mode: 'store', store, secrets: [SECRET], denylist },
    fetch: keeping,
  });
  const verifier = createCognitoVerifier({ pools: pool, denylist });
  const app = express();
  mountRoutes(app, login.routes, { origin: APP });
  app.get(
    '/api/bearer',
    cognitoAuth({ authenticators: [createBearerAuthenticator({ verifier })] }),
    (req, res) => {
      res.json({ sub: req.auth!.sub });
    },
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jar = new CookieJar();
  const get = async (path: string) => {
    const cookie = jar.header(path.split('?')[0]!);
    const res = await fetch(base + path, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.apply(res);
    return res;
  };
  const bearer = (token: string) =>
    fetch(`${base}/api/bearer`, { headers: { authorization: `Bearer ${token}` } });
  try {
    const authorize = (await get('/auth/login')).headers.get('location')!;
    const back = await signInThroughForm(authorize, 'admin', DEMO_PASSWORD);
    assert.equal((await get(back.pathname + back.search)).status, 302);
    const token = accessTokens.at(-1)!;
    assert.ok(originOfToken(token, Date.now()), 'the emulator issues origin_jti');
    assert.equal((await bearer(token)).status, 200);

    // Another user's session, to show only the ended origin is refused.
    const other = new CookieJar();
    const start2 = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    other.apply(start2);
    const back2 = await signInThroughForm(start2.headers.get('location')!, 'editor', DEMO_PASSWORD);
    other.apply(
      await fetch(base + back2.pathname + back2.search, {
        redirect: 'manual',
        headers: { cookie: other.header('/auth/callback')! },
      }),
    );
    const otherToken = accessTokens.at(-1)!;

    const csrf = login.csrfToken({ headers: { cookie: jar.header('/')! } })!;
    const out = await fetch(`${base}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: APP,
        'sec-fetch-site': 'same-origin',
        cookie: jar.header('/auth/logout')!,
      },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    assert.equal(out.status, 303);
    const refused = await bearer(token);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: string }).error, 'TOKEN_REVOKED');
    assert.equal((await bearer(otherToken)).status, 200);
  } finally {
    await denylist.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await emu.stop();
  }
});
