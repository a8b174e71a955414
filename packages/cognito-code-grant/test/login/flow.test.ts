/**
 * The login routes and the session authenticator, in-process against a fake Cognito, in both
 * session modes: every rule of SECURITY.md "Login, callback, logout" and "Sessions and cookies".
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { hasErrorCode, isCognitoAuthError } from '../../src/errors/errors.ts';
import { createCognitoLogin } from '../../src/http/login/create-login.ts';
import { CookieJar } from './cookie-jar.ts';
import { APP, type Mode, SECRET, setup } from './harness.ts';

async function body(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

const JSON_ACCEPT = { accept: 'application/json' };

/** An ended session: SESSION_EXPIRED, or (store mode, record already gone) no principal. */
async function expectEnded(p: Promise<{ principal: unknown }>): Promise<void> {
  try {
    const out = await p;
    assert.equal(out.principal, null);
  } catch (e) {
    assert.ok(hasErrorCode(e, 'SESSION_EXPIRED'), String(e));
  }
}

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`login flow (${mode} mode)`, () => {
    test('login redirects to authorize with state, nonce, PKCE S256, scopes and a sealed login cookie', async () => {
      const h = setup(mode);
      const res = await h.call('GET', '/auth/login?returnTo=/articles%3Fpage%3D2&login_hint=jdoe&lang=fr');
      assert.equal(res.status, 302);
      const loc = new URL(res.headers.get('location')!);
      assert.equal(loc.origin + loc.pathname, 'https://auth.example.test/oauth2/authorize');
      const p = loc.searchParams;
      assert.equal(p.get('response_type'), 'code');
      assert.equal(p.get('client_id'), h.fake.pool.clientId);
      assert.equal(p.get('redirect_uri'), `${APP}/auth/callback`);
      assert.equal(p.get('scope'), 'openid email profile');
      assert.equal(p.get('code_challenge_method'), 'S256');
      assert.match(p.get('state')!, /^[A-Za-z0-9_-]{43}$/);
      assert.match(p.get('nonce')!, /^[A-Za-z0-9_-]{43}$/);
      assert.match(p.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(p.get('login_hint'), 'jdoe');
      assert.equal(p.get('lang'), 'fr');
      const cookies = res.headers.getSetCookie();
      assert.equal(cookies.length, 1);
      const c = cookies[0]!;
      assert.match(c, /^__Host-ccg-session-login\.[A-Za-z0-9_-]{16}=/);
      assert.match(c, /; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
      // Nothing readable in the cookie: not the state, nonce or return path.
      const value = c.split(';')[0]!.split('=')[1]!;
      assert.ok(!value.includes(p.get('state')!));
      assert.ok(!Buffer.from(value, 'base64url').toString('latin1').includes('articles'));
      assert.equal(res.headers.get('cache-control'), 'no-store');
    });

    test('a full login creates a session and redirects to the validated returnTo', async () => {
      const h = setup(mode);
      const res = await h.signIn({ groups: ['editors'] }, '/articles?page=2');
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), `${APP}/articles?page=2`);
      const set = res.headers.getSetCookie();
      const session = set.find((c) => c.startsWith('__Host-ccg-session='));
      assert.ok(session, 'session cookie set');
      assert.match(session, /; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
      assert.ok(set.some((c) => c.startsWith('__Host-ccg-session-login.') && c.includes('Max-Age=0')));
      assert.deepEqual(
        h.jar.names().filter((n) => n.includes('login')),
        [],
      );
      const me = await h.call('GET', '/auth/me');
      assert.equal(me.status, 200);
      const json = await body(me);
      assert.equal(json['principal'].sub, '3f6c1b2e-8d4a-4c1f-9e7b-0a1b2c3d4e5f');
      assert.deepEqual(json['principal'].groups, ['editors']);
      assert.equal(json['principal'].source, 'session');
      assert.ok(json['principal'].scopes.includes('openid'));
      assert.match(json['csrfToken'], /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!JSON.stringify(json).includes('rt-'), 'no refresh token in /me');
      const out = await h.authenticate();
      assert.equal(out.principal?.username, 'jdoe');
      assert.equal(out.principal?.email, 'jane.doe@example.com');
      assert.equal(h.fake.calls.token, 1);
      if (mode === 'store') assert.equal(h.store.size(), 1);
    });

    test('parallel logins in two tabs both complete', async () => {
      const h = setup(mode);
      const a = await h.call('GET', '/auth/login?returnTo=/a');
      const b = await h.call('GET', '/auth/login?returnTo=/b');
      assert.equal(h.jar.names().filter((n) => n.includes('-login.')).length, 2);
      const ca = h.fake.authorize(a.headers.get('location')!);
      const cb = h.fake.authorize(b.headers.get('location')!);
      const rb = await h.call('GET', `/auth/callback?code=${cb.code}&state=${cb.state}`);
      assert.equal(rb.headers.get('location'), `${APP}/b`);
      const ra = await h.call('GET', `/auth/callback?code=${ca.code}&state=${ca.state}`);
      assert.equal(ra.headers.get('location'), `${APP}/a`);
    });

    test('callback without state, with a forged state, or replayed is refused before the token endpoint', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      const missing = await h.call('GET', `/auth/callback?code=${code}`, { headers: JSON_ACCEPT });
      assert.equal(missing.status, 400);
      assert.equal((await body(missing))['error'], 'LOGIN_STATE_MISSING');
      const forged = await h.call('GET', `/auth/callback?code=${code}&state=forged${state.slice(6)}`, {
        headers: JSON_ACCEPT,
      });
      assert.equal(forged.status, 400);
      assert.equal((await body(forged))['error'], 'LOGIN_STATE_INVALID');
      const noCookie = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, {
        headers: { ...JSON_ACCEPT, cookie: '' },
        jar: new CookieJar(),
      });
      assert.equal((await body(noCookie))['error'], 'LOGIN_STATE_MISSING');
      assert.equal(h.fake.calls.token, 0, 'token endpoint never called');

      const replayJar = h.jar.clone();
      const ok = await h.call('GET', `/auth/callback?code=${code}&state=${state}`);
      assert.equal(ok.status, 302);
      const replay = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, {
        jar: replayJar,
        headers: JSON_ACCEPT,
      });
      assert.equal(replay.status, 400);
      assert.equal((await body(replay))['error'], 'LOGIN_STATE_INVALID');
      assert.equal(h.fake.calls.token, 1);
    });

    test('an expired login state is refused', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      h.clock.t += 601_000;
      const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, { headers: JSON_ACCEPT });
      assert.equal((await body(res))['error'], 'LOGIN_STATE_INVALID');
      assert.equal(h.fake.calls.token, 0);
    });

    test('a tampered login-state cookie is refused', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      for (const [name, c] of h.jar.cookies) {
        if (name.includes('-login.')) c.value = c.value.slice(0, -2) + (c.value.endsWith('AA') ? 'BB' : 'AA');
      }
      const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, { headers: JSON_ACCEPT });
      assert.equal((await body(res))['error'], 'LOGIN_STATE_INVALID');
      assert.equal(h.fake.calls.token, 0);
    });

    test('a wrong nonce ends in NONCE_MISMATCH with nothing stored', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(
        start.headers.get('location')!,
        {},
        { nonce: 'attacker-nonce' },
      );
      const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, { headers: JSON_ACCEPT });
      assert.equal(res.status, 400);
      assert.equal((await body(res))['error'], 'NONCE_MISMATCH');
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('__Host-ccg-session=')));
      assert.equal(h.store.size(), 0);
    });

    test('a reused or unknown code is 400 CALLBACK_INVALID without leaking the body', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { state } = h.fake.authorize(start.headers.get('location')!);
      const res = await h.call('GET', `/auth/callback?code=code-999&state=${state}`, {
        headers: JSON_ACCEPT,
      });
      assert.equal(res.status, 400);
      const json = await body(res);
      assert.equal(json['error'], 'CALLBACK_INVALID');
      assert.equal(h.store.size(), 0);
    });

    test('an IdP error on the callback is a clear error page (HTML) or JSON, nothing stored', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { state } = h.fake.authorize(start.headers.get('location')!);
      const desc = encodeURIComponent('<script>alert(1)</script>');
      const html = await h.call(
        'GET',
        `/auth/callback?error=access_denied&error_description=${desc}&state=${state}`,
        { jar: h.jar.clone() },
      );
      assert.equal(html.status, 400);
      assert.match(html.headers.get('content-type')!, /text\/html/);
      const text = await html.text();
      assert.ok(text.includes('CALLBACK_IDP_ERROR'));
      assert.ok(!text.includes('<script>'));
      const res = await h.call('GET', `/auth/callback?error=access_denied&state=${state}`, {
        headers: JSON_ACCEPT,
      });
      assert.equal((await body(res))['error'], 'CALLBACK_IDP_ERROR');
      assert.ok(res.headers.getSetCookie().some((c) => c.includes('-login.') && c.includes('Max-Age=0')));
      assert.equal(h.fake.calls.token, 0);
      assert.equal(h.store.size(), 0);
    });

    test('a hook that throws aborts the login with nothing stored', async () => {
      const h = setup(mode, {
        hook: (p, ctx) => {
          if (ctx.trigger === 'login') throw Object.assign(new Error('disabled'), { code: 'X' });
          return p;
        },
      });
      const res = await h.signIn();
      assert.equal(res.status, 500);
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('__Host-ccg-session=')));
      assert.equal(h.store.size(), 0);
    });

    test('the hook result is the session principal; the session hook runs per request', async () => {
      const seen: string[] = [];
      const h = setup(mode, {
        hook: (p, ctx) => {
          seen.push(ctx.trigger);
          return ctx.trigger === 'login' ? { ...p, replicaUserId: 42 } : p;
        },
      });
      await h.signIn();
      const out = await h.authenticate();
      assert.equal(out.principal?.replicaUserId, 42);
      assert.deepEqual(seen, ['login', 'session']);
    });

    test('the session id changes at login (no fixation) and the previous session ends', async () => {
      const h = setup(mode);
      await h.signIn({ sub: 'attacker' });
      const planted = h.jar.clone();
      const before = h.jar.header('/');
      await h.signIn({ sub: 'victim' });
      assert.notEqual(h.jar.header('/'), before);
      assert.equal((await h.authenticate()).principal?.sub, 'victim');
      if (mode === 'store') {
        assert.equal(h.store.size(), 1);
        assert.equal((await h.authenticate(planted)).principal, null);
      }
    });

    test('a tampered session cookie is no session, and is cleared', async () => {
      const h = setup(mode);
      await h.signIn();
      // A character that differs from the original (a fixed 'x' left 1 cookie in 64 unchanged).
      for (const c of h.jar.cookies.values())
        c.value = `${c.value.slice(0, 10)}${c.value[10] === 'x' ? 'y' : 'x'}${c.value.slice(11)}`;
      const out = await h.login.authenticator.authenticate(h.requestLike());
      assert.equal(out.principal, null);
      assert.ok(out.setCookies.some((c) => c.includes('Max-Age=0')));
      const me = await h.call('GET', '/auth/me');
      assert.equal(me.status, 401);
    });

    test('an expired access token is refreshed once; the old refresh token is kept', async () => {
      const h = setup(mode);
      await h.signIn();
      const first = await h.authenticate();
      h.clock.t += 3600_000 - 30_000; // inside the 60 s margin
      await h.authenticate();
      // The refresh runs in the background while the token still works (issue 18.4); the next
      // request sees its result (store mode: in the store; cookie mode: in its answer's cookie).
      await h.settle();
      const out = await h.authenticate();
      assert.equal(h.fake.calls.refresh, 1);
      assert.ok(out.principal!.expiresAt > first.principal!.expiresAt);
      if (mode === 'cookie') assert.ok(out.setCookies.length > 0, 'the cookie carries the new tokens');
      h.clock.t += 3600_000;
      await h.authenticate();
      assert.equal(h.fake.calls.refresh, 2, 'the kept refresh token still works');
      assert.equal(h.fake.lastTokenRequest?.body.get('refresh_token'), 'rt-2');
    });

    test('a rotated refresh token replaces the old one', async () => {
      const h = setup(mode);
      h.fake.rotate = true;
      await h.signIn();
      h.clock.t += 3600_000;
      await h.authenticate();
      h.clock.t += 3600_000;
      await h.authenticate();
      assert.equal(h.fake.lastTokenRequest?.body.get('refresh_token'), 'rt-3');
    });

    test('50 concurrent requests at expiry cause exactly one refresh', async () => {
      const h = setup(mode);
      await h.signIn();
      h.clock.t += 3600_000 + 1000;
      h.fake.delayMs = 20;
      const outs = await Promise.all(
        Array.from({ length: 50 }, () => h.login.authenticator.authenticate(h.requestLike())),
      );
      assert.equal(h.fake.calls.refresh, 1);
      for (const o of outs) assert.equal(o.principal?.sub, '3f6c1b2e-8d4a-4c1f-9e7b-0a1b2c3d4e5f');
    });

    test('a refused refresh ends the session with REFRESH_FAILED', async () => {
      const h = setup(mode);
      await h.signIn();
      h.clock.t += 3600_000 + 1000;
      h.fake.failRefresh = 'invalid_grant';
      await assert.rejects(h.login.authenticator.authenticate(h.requestLike()), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'REFRESH_FAILED'));
        assert.equal(e.status, 401);
        assert.equal(e.details?.['error'], 'invalid_grant');
        const setCookies = (e.details?.['setCookies'] ?? []) as string[];
        assert.ok(setCookies.some((c) => c.includes('Max-Age=0')));
        assert.equal(e.details?.['loginPath'], '/auth/login?returnTo=%2Fapi%2Fx');
        return true;
      });
      h.fake.failRefresh = undefined;
      const again = await h.login.authenticator.authenticate(h.requestLike());
      assert.equal(again.principal, null, 'the session is gone');
      assert.equal(h.fake.calls.refresh, 1);
    });

    test('a transient refresh failure keeps a still-valid session', async () => {
      const h = setup(mode);
      await h.signIn();
      h.clock.t += 3600_000 - 30_000;
      h.fake.failRefresh = 'network';
      const out = await h.authenticate();
      assert.ok(out.principal);
      await h.settle(); // store mode: the refresh ran in the background
      assert.equal(h.fake.calls.refresh, 1);
      await h.authenticate();
      assert.equal(h.fake.calls.refresh, 1, 'no new attempt during the pause');
      h.clock.t += 6_000;
      await h.authenticate();
      await h.settle();
      assert.equal(h.fake.calls.refresh, 2, 'retried after the pause');
      h.clock.t += 60_000; // now expired, still failing: refused but not ended
      await assert.rejects(h.login.authenticator.authenticate(h.requestLike()), (e: unknown) =>
        hasErrorCode(e, 'REFRESH_FAILED'),
      );
      h.fake.failRefresh = undefined;
      assert.ok((await h.authenticate()).principal);
    });

    test('rolling and absolute lifetimes end the session', async () => {
      const h = setup(mode, { rollingSeconds: 3600, absoluteSeconds: 4 * 3600, refreshMarginSeconds: 0 });
      await h.signIn();
      h.clock.t += 3601_000;
      await expectEnded(h.login.authenticator.authenticate(h.requestLike()));
      const k = setup(mode, { rollingSeconds: 3600, absoluteSeconds: 2 * 3600 });
      await k.signIn();
      for (let i = 0; i < 4; i++) {
        k.clock.t += 1800_000;
        if (i < 3) assert.ok((await k.authenticate()).principal, `alive at step ${i}`);
      }
      await expectEnded(k.login.authenticator.authenticate(k.requestLike()));
    });

    test('logout needs the CSRF token and a same-origin request', async () => {
      const h = setup(mode);
      await h.signIn();
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const noToken = await h.call('POST', '/auth/logout', { headers: { ...form, origin: APP }, body: '' });
      assert.equal(noToken.status, 403);
      const csrf = h.login.csrfToken(h.requestLike())!;
      const crossSite = await h.call('POST', '/auth/logout', {
        headers: { ...form, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: `csrf=${csrf}`,
      });
      assert.equal(crossSite.status, 403);
      const wrong = await h.call('POST', '/auth/logout', { headers: form, body: `csrf=${'A'.repeat(43)}` });
      assert.equal(wrong.status, 403);
      assert.ok((await h.authenticate()).principal, 'still signed in after refused logouts');
      assert.equal(h.fake.calls.revoke, 0);
    });

    test('logout ends the session, revokes the refresh token and redirects to Cognito', async () => {
      const h = setup(mode);
      await h.signIn();
      const captured = h.jar.clone();
      const csrf = h.login.csrfToken(h.requestLike())!;
      assert.ok(h.login.verifyCsrf(h.requestLike(), csrf));
      const res = await h.call('POST', '/auth/logout', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: APP,
          'sec-fetch-site': 'same-origin',
        },
        body: `csrf=${csrf}&returnTo=${encodeURIComponent('//evil.example')}`,
      });
      assert.equal(res.status, 303);
      const loc = new URL(res.headers.get('location')!);
      assert.equal(loc.origin + loc.pathname, 'https://auth.example.test/logout');
      assert.equal(loc.searchParams.get('client_id'), h.fake.pool.clientId);
      assert.equal(loc.searchParams.get('logout_uri'), `${APP}/`);
      assert.equal(h.fake.calls.revoke, 1);
      assert.ok(h.fake.revoked.has('rt-2'));
      assert.ok(
        res.headers.getSetCookie().some((c) => c.startsWith('__Host-ccg-session') && c.includes('Max-Age=0')),
      );
      assert.equal((await h.authenticate()).principal, null);
      // The cookie captured before logout no longer works.
      assert.equal((await h.authenticate(captured)).principal, null);
      assert.equal((await h.call('GET', '/auth/me', { jar: captured })).status, 401);
    });

    test('local logout redirects to the validated returnTo', async () => {
      const h = setup(mode, { logout: 'local' });
      await h.signIn();
      const csrf = h.login.csrfToken(h.requestLike())!;
      const res = await h.call('POST', '/auth/logout?returnTo=/bye', { headers: { 'x-csrf-token': csrf } });
      assert.equal(res.headers.get('location'), `${APP}/bye`);
    });

    test('Host and X-Forwarded-* are ignored unless trustProxy is set', async () => {
      const h = setup(mode);
      const res = await h.call('GET', '/auth/login', {
        headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
      });
      assert.equal(
        new URL(res.headers.get('location')!).searchParams.get('redirect_uri'),
        `${APP}/auth/callback`,
      );
      const t = setup(mode, { trustProxy: true });
      const r2 = await t.call('GET', '/auth/login', {
        headers: { 'x-forwarded-host': 'app2.example.test', 'x-forwarded-proto': 'https' },
      });
      assert.equal(
        new URL(r2.headers.get('location')!).searchParams.get('redirect_uri'),
        'https://app2.example.test/auth/callback',
      );
    });

    test('with trustProxy, a malformed forwarded host is HOST_UNTRUSTED; JSON logout answers the URL', async () => {
      const t = setup(mode, { trustProxy: true });
      const bad = await t.call('GET', '/auth/login', {
        headers: { ...JSON_ACCEPT, 'x-forwarded-host': 'evil.example/path?x', 'x-forwarded-proto': 'https' },
      });
      assert.equal(bad.status, 400);
      assert.equal((await body(bad))['error'], 'HOST_UNTRUSTED');
      const h = setup(mode);
      await h.signIn();
      const res = await h.call('POST', '/auth/logout', {
        headers: { ...JSON_ACCEPT, 'x-csrf-token': h.login.csrfToken(h.requestLike())! },
      });
      assert.equal(res.status, 200);
      assert.match((await body(res))['redirect'], /^https:\/\/auth\.example\.test\/logout\?client_id=/);
    });

    test('a confidential client authenticates with HTTP Basic; a public one sends client_id', async () => {
      const conf = setup(mode, { clientSecret: 'secret123abc' });
      await conf.signIn();
      const basic = `Basic ${Buffer.from(`${conf.fake.pool.clientId}:secret123abc`).toString('base64')}`;
      assert.equal(conf.fake.lastTokenRequest?.authorization, basic);
      assert.equal(conf.fake.lastTokenRequest?.body.get('client_id'), null);
      assert.equal(conf.fake.lastTokenRequest?.body.get('client_secret'), null);
      const pub = setup(mode);
      await pub.signIn();
      assert.equal(pub.fake.lastTokenRequest?.authorization, null);
      assert.equal(pub.fake.lastTokenRequest?.body.get('client_id'), pub.fake.pool.clientId);
      const verifier = pub.fake.lastTokenRequest?.body.get('code_verifier');
      assert.match(verifier!, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(createHash('sha256').update(verifier!).digest('base64url'));
    });
  });
}

describe('configuration', () => {
  const base = () => setup('cookie');
  test('cookie mode needs SESSION_SECRET with 32+ bytes', () => {
    const { fake } = base();
    for (const secrets of [undefined, [], 'short', ['x'.repeat(31)], [SECRET, 'short']]) {
      assert.throws(
        () =>
          createCognitoLogin({
            pool: fake.pool,
            appUrl: APP,
            session: { mode: 'cookie', secrets: secrets as string[] },
          }),
        (e: unknown) =>
          isCognitoAuthError(e) && e.code === 'CONFIG_INVALID' && !e.message.includes('xxxxxxxx'),
      );
    }
  });
  test('a pool without domain, a bad appUrl or a foreign cookieDomain are refused', async () => {
    const { fake } = base();
    const { definePool } = await import('../../src/config/pool.ts');
    const noDomain = definePool({ userPoolId: fake.pool.userPoolId, clientId: fake.pool.clientId });
    const session = { mode: 'cookie', secrets: [SECRET] } as const;
    for (const opts of [
      { pool: noDomain, appUrl: APP, session },
      { pool: fake.pool, appUrl: 'http://app.example.test', session },
      { pool: fake.pool, appUrl: APP, session, cookieDomain: 'other.test' },
      { pool: fake.pool, appUrl: APP, session, scopes: ['email'] },
      { pool: fake.pool, appUrl: APP, session, rollingSeconds: 10 * 86400, absoluteSeconds: 86400 },
    ]) {
      assert.throws(
        () => createCognitoLogin(opts),
        (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
      );
    }
  });
  test('http loopback development uses plain cookie names without Secure', async () => {
    const h = setup('cookie', { appUrl: 'http://localhost:3000' });
    const res = await h.call('GET', '/auth/login');
    const c = res.headers.getSetCookie()[0]!;
    assert.match(c, /^ccg-session-login\./);
    assert.ok(!c.includes('Secure'));
  });
  test('a cookie Domain shares the session with sibling subdomains (no __Host- prefix)', async () => {
    const h = setup('store', { cookieDomain: 'example.test' });
    const res = await h.signIn();
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Secure-ccg-session='));
    assert.ok(session);
    assert.match(session, /; Domain=example\.test; Secure; HttpOnly; SameSite=Lax$/);
  });
});

describe('login state', () => {
  test('at most 5 parallel logins are kept per browser, the oldest go first', async () => {
    const h = setup('cookie');
    const starts: string[] = [];
    for (let i = 0; i < 7; i++) {
      h.clock.t += 1000;
      starts.push((await h.call('GET', `/auth/login?returnTo=/t${i}`)).headers.get('location')!);
    }
    assert.equal(h.jar.names().filter((n) => n.includes('-login.')).length, 5);
    const oldest = h.fake.authorize(starts[0]!);
    const res = await h.call('GET', `/auth/callback?code=${oldest.code}&state=${oldest.state}`, {
      headers: JSON_ACCEPT,
    });
    assert.equal((await body(res))['error'], 'LOGIN_STATE_INVALID');
    const newest = h.fake.authorize(starts[6]!);
    const ok = await h.call('GET', `/auth/callback?code=${newest.code}&state=${newest.state}`);
    assert.equal(ok.headers.get('location'), `${APP}/t6`);
  });

  test('a hook refusing the user (USER_DISABLED) answers 403 with nothing stored', async () => {
    const { CognitoAuthError } = await import('../../src/errors/errors.ts');
    const h = setup('store', {
      hook: () => {
        throw new CognitoAuthError('USER_DISABLED', 'This account is disabled');
      },
    });
    const start = await h.call('GET', '/auth/login');
    const { code, state } = h.fake.authorize(start.headers.get('location')!);
    const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, { headers: JSON_ACCEPT });
    assert.equal(res.status, 403);
    assert.equal((await body(res))['error'], 'USER_DISABLED');
    assert.equal(h.store.size(), 0);
  });
});

describe('cookie mode specifics', () => {
  test('key rotation: old cookies open with [new, old] and are re-sealed; [new] alone refuses them', async () => {
    const h = setup('cookie');
    await h.signIn();
    const NEW = 'a-brand-new-session-secret-of-32-bytes-or-more';
    const rotated = h.otherProcess({ mode: 'cookie', secrets: [NEW, SECRET] });
    const out = await rotated.authenticator.authenticate(h.requestLike());
    assert.ok(out.principal);
    assert.ok(out.setCookies.some((c) => c.startsWith('__Host-ccg-session') && !c.includes('Max-Age=0')));
    const onlyNew = h.otherProcess({ mode: 'cookie', secrets: [NEW] });
    assert.equal((await onlyNew.authenticator.authenticate(h.requestLike())).principal, null);
    const jar = h.jar.clone();
    jar.apply(out.setCookies);
    assert.ok(
      (await onlyNew.authenticator.authenticate(h.requestLike(jar))).principal,
      're-sealed with the new key',
    );
  });

  test('large sessions are chunked and read back', async () => {
    const h = setup('cookie');
    await h.signIn({ attributes: { 'custom:blob': 'x'.repeat(5000) } });
    const names = h.jar.names().filter((n) => n.startsWith('__Host-ccg-session'));
    assert.ok(names.includes('__Host-ccg-session.0') && names.includes('__Host-ccg-session.1'), names.join());
    const out = await h.authenticate();
    assert.equal(out.principal?.claims['custom:blob'], 'x'.repeat(5000));
    // A smaller session afterwards clears the stale chunks.
    await h.signIn();
    assert.deepEqual(
      h.jar.names().filter((n) => n.startsWith('__Host-ccg-session')),
      ['__Host-ccg-session'],
    );
  });
});
