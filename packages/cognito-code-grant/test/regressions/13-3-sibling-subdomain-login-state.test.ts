/**
 * Issue 13 finding 3: a login state planted from a sibling subdomain. The attacker starts a
 * login on the app, signs in at Cognito as themselves, and instead of completing the callback
 * plants their login-state cookie in the victim's browser from evil.example.test with
 * `Domain=example.test`, then sends the victim to the callback with the attacker's code and
 * state. The victim must not be signed in (to the attacker's account).
 *
 * The victim's browser is modelled with the one rule that matters here (RFC 6265bis 4.1.3.2):
 * a `__Host-` cookie is refused when set with a Domain attribute (so from a sibling host);
 * `__Secure-` and unprefixed names are accepted from a secure sibling.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CookieJar } from '../login/cookie-jar.ts';
import { type Mode, setup } from '../login/harness.ts';

/** What a sibling can make the victim's browser store: refused for `__Host-` names. */
function plantFromSibling(jar: CookieJar, name: string, value: string): boolean {
  if (name.startsWith('__Host-')) return false;
  jar.apply([`${name}=${value}; Path=/; Domain=example.test; Secure; HttpOnly; SameSite=Lax`]);
  return true;
}

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`login state planted from a sibling subdomain (${mode} mode)`, () => {
    test("the attacker's planted login state cannot complete the victim's callback", async () => {
      const h = setup(mode);
      const attacker = new CookieJar();
      const start = await h.call('GET', '/auth/login', { jar: attacker });
      const { code, state } = h.fake.authorize(start.headers.get('location')!, { sub: 'attacker-sub' });
      const loginCookies = start.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .filter((c) => c.includes('-login.'));
      assert.equal(loginCookies.length, 1);
      const [name, value] = [
        loginCookies[0]!.slice(0, loginCookies[0]!.indexOf('=')),
        loginCookies[0]!.slice(loginCookies[0]!.indexOf('=') + 1),
      ];

      const victim = new CookieJar();
      // Every name the attacker could try: the real one, and it without or with another prefix.
      const bare = name.replace(/^__(Host|Secure)-/, '');
      for (const n of new Set([name, bare, `__Secure-${bare}`])) plantFromSibling(victim, n, value);

      const res = await h.call('GET', `/auth/callback?code=${code}&state=${encodeURIComponent(state)}`, {
        jar: victim,
        headers: { accept: 'application/json' },
      });
      assert.equal(res.status, 400, 'the callback must not sign the victim in');
      assert.equal(((await res.json()) as { error: string }).error, 'LOGIN_STATE_MISSING');
      assert.equal((await h.authenticate(victim)).principal, null);
      assert.equal(h.fake.calls.token, 0, 'the code is never exchanged');
    });

    test('every cookie the library sets on https is host-only __Host- with Path=/', async () => {
      const h = setup(mode);
      const jar = new CookieJar();
      const start = await h.call('GET', '/auth/login', { jar });
      const { code, state } = h.fake.authorize(start.headers.get('location')!, {
        groups: Array.from({ length: 60 }, (_, i) => `group-${i}-with-a-longer-name`),
      });
      const callback = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, { jar });
      const set = [...start.headers.getSetCookie(), ...callback.headers.getSetCookie()];
      assert.ok(set.length >= 3);
      for (const cookie of set) {
        assert.match(cookie, /^__Host-/, cookie.slice(0, 40));
        assert.match(cookie, /; Path=\/(;|$)/);
        assert.doesNotMatch(cookie, /Domain=/i);
        assert.match(cookie, /; Secure/);
      }
    });

    test('with a shared cookieDomain only the session cookie carries it; the login state stays __Host-', async () => {
      const h = setup(mode, { cookieDomain: 'example.test' });
      const start = await h.call('GET', '/auth/login');
      const login = start.headers.getSetCookie();
      assert.ok(login.every((c) => c.startsWith('__Host-ccg-session-login.') && !/Domain=/i.test(c)));
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      const callback = await h.call('GET', `/auth/callback?code=${code}&state=${state}`);
      const session = callback.headers.getSetCookie().filter((c) => !c.includes('-login.'));
      assert.ok(session.length >= 1);
      for (const c of session) assert.match(c, /^__Secure-ccg-session[=.].*; Domain=example\.test/);
    });
  });
}
