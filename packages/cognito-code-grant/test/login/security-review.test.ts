/**
 * Regressions for the security review of the browser login (issue 4): capped bodies, the
 * registered logout_uri, forwarded headers, callback verification errors, Cookie header cap and
 * the shared revocation list of cookie mode.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CognitoAuthError, hasErrorCode } from '../../src/errors/errors.ts';
import { type CognitoVerifier, createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { processRevokeResponse } from '../../src/oauth/revoke.ts';
import { processTokenResponse } from '../../src/oauth/token.ts';
import type { RevocationPort, RevocationStore } from '../../src/session/revocation.ts';
import { hashSessionId, hashSessionSecret } from '../../src/session/session-id.ts';
import { openStored, readStoredHeader, storedDataKey } from '../../src/session/stored-data.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { APP, type Mode, SECRET, setup } from './harness.ts';

const JSON_ACCEPT = { accept: 'application/json' };

async function body(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

/** A lazily produced stream of `total` bytes; `pulled()` tells how many were handed out. */
function lazyStream(total: number, chunk = 16 * 1024) {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
  return { stream, pulled: () => sent };
}

function route(h: ReturnType<typeof setup>, method: string, path: string) {
  return h.login.routes.find((r) => r.method === method && r.path === path)!;
}

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`security review (${mode} mode)`, () => {
    test('a chunked logout body is cut off at the cap (413) without being read whole', async () => {
      const h = setup(mode);
      await h.signIn();
      const { stream, pulled } = lazyStream(8 * 1024 * 1024);
      const res = await route(h, 'POST', '/auth/logout').handle(
        new Request(`${APP}/auth/logout`, {
          method: 'POST',
          headers: {
            ...JSON_ACCEPT,
            'content-type': 'application/x-www-form-urlencoded',
            origin: APP,
            cookie: h.jar.header('/auth/logout')!,
          },
          body: stream,
          duplex: 'half',
        } as RequestInit),
      );
      assert.equal(res.status, 413);
      assert.equal((await body(res))['error'], 'REQUEST_TOO_LARGE');
      assert.ok(pulled() < 256 * 1024, `read ${pulled()} bytes of an 8 MiB body`);
      assert.ok((await h.authenticate()).principal, 'still signed in');
    });

    test('a non-numeric Content-Length on logout is a bad request', async () => {
      const h = setup(mode);
      await h.signIn();
      const csrf = h.login.csrfToken(h.requestLike())!;
      const res = await h.call('POST', '/auth/logout', {
        headers: {
          ...JSON_ACCEPT,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': 'abc',
          origin: APP,
        },
        body: `csrf=${csrf}`,
      });
      assert.equal(res.status, 400);
      assert.equal((await body(res))['error'], 'BAD_REQUEST');
      assert.ok((await h.authenticate()).principal, 'still signed in');
    });

    test('cognito logout always sends the registered logoutUri, never returnTo', async () => {
      const h = setup(mode);
      await h.signIn();
      const csrf = h.login.csrfToken(h.requestLike())!;
      const res = await h.call('POST', '/auth/logout?returnTo=/bye', { headers: { 'x-csrf-token': csrf } });
      const loc = new URL(res.headers.get('location')!);
      assert.equal(loc.searchParams.get('logout_uri'), `${APP}/`);

      const custom = setup(mode, { logoutUri: `${APP}/signed-out` });
      await custom.signIn();
      const r2 = await custom.call('POST', '/auth/logout', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-csrf-token': custom.login.csrfToken(custom.requestLike())!,
        },
        body: 'returnTo=/elsewhere',
      });
      assert.equal(new URL(r2.headers.get('location')!).searchParams.get('logout_uri'), `${APP}/signed-out`);
    });

    test('a malformed logoutUri is a configuration error', () => {
      for (const bad of ['/relative', 'javascript:alert(1)', `${APP}/out?x=1`, 'http://app.example.test/']) {
        assert.throws(
          () => setup(mode, { logoutUri: bad }),
          (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
          bad,
        );
      }
    });

    test('with trustProxy the right-most forwarded value wins; the callback returns to the stored base', async () => {
      const h = setup(mode, { trustProxy: true });
      const start = await h.call('GET', '/auth/login?returnTo=/here', {
        headers: {
          'x-forwarded-host': 'evil.example, app2.example.test',
          'x-forwarded-proto': 'http, https',
        },
      });
      const location = start.headers.get('location')!;
      assert.equal(
        new URL(location).searchParams.get('redirect_uri'),
        'https://app2.example.test/auth/callback',
      );
      const { code, state } = h.fake.authorize(location);
      const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, {
        headers: { 'x-forwarded-host': 'app3.example.test', 'x-forwarded-proto': 'https' },
      });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), 'https://app2.example.test/here');
    });

    test('an ID or access token failing verification at the callback is 400 CALLBACK_INVALID, nothing stored', async () => {
      for (const failing of ['id', 'access'] as const) {
        for (const code of ['TOKEN_SIGNATURE_INVALID', 'JWKS_FETCH_FAILED'] as const) {
          let real: CognitoVerifier | undefined;
          let hookRan = false;
          const h = setup(mode, {
            verifier: {
              async verify(token, options) {
                if (options?.tokenUse === failing) throw new CognitoAuthError(code, 'refused');
                return real!.verify(token, options);
              },
            },
            hook: async (p) => {
              hookRan = true;
              return p;
            },
          });
          real = createCognitoVerifier({
            pools: h.fake.pool,
            now: () => h.clock.t,
            fetch: h.fake.fetch as never,
          });
          const res = await h.signIn();
          assert.equal(res.status, 400, `${failing} ${code}`);
          const json = await (await h.call('GET', '/auth/me', { headers: JSON_ACCEPT })).json();
          assert.equal((json as Record<string, unknown>)['error'], 'AUTH_REQUIRED');
          assert.ok(!res.headers.getSetCookie().some((c) => /ccg-session=[^;]/.test(c)));
          assert.equal(h.store.size(), 0);
          assert.equal(hookRan, false);
          assert.match(await res.text(), /CALLBACK_INVALID/);
        }
      }
    });

    test('a callback repeating code, state or error is 400 CALLBACK_INVALID; the sign-in can still finish', async () => {
      const h = setup(mode);
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      for (const query of [
        `code=${code}&code=other&state=${state}`,
        `code=${code}&state=${state}&state=${state}`,
        `code=${code}&state=${state}&error=access_denied&error=x`,
      ]) {
        const res = await h.call('GET', `/auth/callback?${query}`, { headers: JSON_ACCEPT });
        assert.equal(res.status, 400, query);
        assert.equal((await body(res))['error'], 'CALLBACK_INVALID', query);
        assert.ok(!res.headers.getSetCookie().some((c) => /ccg-session=[^;]/.test(c)), query);
      }
      assert.equal(h.store.size(), 0);
      // The refused requests consumed neither the state nor the code.
      const done = await h.call('GET', `/auth/callback?code=${code}&state=${state}`);
      assert.equal(done.status, 302);
      const me = await h.call('GET', '/auth/me', { headers: JSON_ACCEPT });
      assert.equal(me.status, 200);
    });

    test('a logout while a refresh waits on Cognito is not undone by the refresh', async () => {
      for (const withReplace of mode === 'store' ? [true, false] : [true]) {
        // Cognito answers the refresh; the answer reaches the app only at `release` (`entered`
        // tells it is on its way), so the logout lands in between.
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let entered!: () => void;
        const started = new Promise<void>((r) => {
          entered = r;
        });
        const inner = createMemorySessionStore({ now: () => h.clock.t });
        // Without `replace` the backend falls back to get-then-set.
        const store = withReplace ? inner : { ...inner, replace: undefined };
        const h: ReturnType<typeof setup> = setup(mode, {
          ...(mode === 'store' ? { session: { mode: 'store' as const, store, secrets: [SECRET] } } : {}),
          fetch: async (input: string, init: RequestInit) => {
            const answer = await h.fake.fetch(input, init);
            if (String(init.body ?? '').includes('grant_type=refresh_token')) {
              entered();
              await gate;
            }
            return answer;
          },
        });
        await h.signIn();
        const captured = h.jar.clone();
        h.clock.t += 3600_000 + 1000;
        const refreshing = h.login.authenticator.authenticate(h.requestLike(captured));
        await started;
        const csrf = h.login.csrfToken(h.requestLike())!;
        const out = await h.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
        assert.equal(out.status, 303);
        release();
        if (mode === 'store') {
          await assert.rejects(refreshing, (e: unknown) => hasErrorCode(e, 'SESSION_EXPIRED'));
          assert.equal(inner.size(), 0, 'the refresh wrote nothing back');
        } else {
          // Cookie mode: the refreshed cookie is this process's; its denylist still refuses it.
          const res = await refreshing.catch(() => undefined);
          if (res) captured.apply(res.setCookies);
        }
        assert.equal((await h.authenticate(captured)).principal, null, `replace: ${withReplace}`);
        assert.equal((await h.call('GET', '/auth/me', { jar: captured })).status, 401);
      }
    });

    test('a refresh token Cognito could not revoke at logout is reported; the logout still succeeds', async () => {
      const seen: unknown[] = [];
      const h: ReturnType<typeof setup> = setup(mode, {
        onServerError: (error) => seen.push(error),
        fetch: async (input: string, init: RequestInit) =>
          new URL(input).pathname === '/oauth2/revoke'
            ? new Response('{"error":"unavailable"}', { status: 503 })
            : h.fake.fetch(input, init),
      });
      await h.signIn();
      const csrf = h.login.csrfToken(h.requestLike())!;
      const out = await h.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
      assert.equal(out.status, 303);
      assert.equal((await h.authenticate()).principal, null);
      assert.equal(seen.length, 1);
      assert.ok(hasErrorCode(seen[0], 'TOKEN_EXCHANGE_FAILED'));
    });

    test('tokens too large for a cookie: cookie mode refuses the session (SESSION_TOO_LARGE), store mode keeps it', async () => {
      const seen: unknown[] = [];
      const h = setup(mode, { onServerError: (error) => seen.push(error) });
      // 260 groups of 40 characters: ~11 KB in each of the ID and access tokens (each under the
      // verifier's 16 384-character cap); kept once in the session, still more than a 16 KiB
      // Cookie header holds once sealed.
      const groups = Array.from(
        { length: 260 },
        (_, i) => `group-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`,
      );
      const res = await h.signIn({ groups });
      if (mode === 'cookie') {
        assert.equal(res.status, 500);
        assert.ok(hasErrorCode(seen[0], 'SESSION_TOO_LARGE'));
        assert.ok(!res.headers.getSetCookie().some((c) => /ccg-session(\.\d)?=[^;]/.test(c)));
        assert.equal((await h.call('GET', '/auth/me', { headers: JSON_ACCEPT })).status, 401);
      } else {
        assert.equal(res.status, 302);
        const me = await h.call('GET', '/auth/me', { headers: JSON_ACCEPT });
        assert.equal(me.status, 200);
        assert.equal((await body(me))['principal'].groups.length, 260);
      }
    });

    test('a Cookie header over the cap is REQUEST_TOO_LARGE (413), never a 500', async () => {
      const h = setup(mode);
      await h.signIn();
      const huge = `${h.jar.header('/')!}; pad=${'x'.repeat(17 * 1024)}`;
      const req = {
        method: 'GET',
        url: '/api/x',
        header: (n: string) => (n === 'cookie' ? huge : undefined),
      };
      await assert.rejects(h.login.authenticator.authenticate(req), (e: unknown) =>
        hasErrorCode(e, 'REQUEST_TOO_LARGE'),
      );
      const me = await h.call('GET', '/auth/me', { headers: { cookie: huge } });
      assert.equal(me.status, 413);
      assert.equal(h.login.csrfToken({ headers: { cookie: huge } }), null);
      const cb = await h.call('GET', '/auth/callback?code=x&state=y', {
        headers: { ...JSON_ACCEPT, cookie: huge },
      });
      assert.equal(cb.status, 413);

      const small = setup(mode, { maxCookieHeaderBytes: 2048 });
      await small.signIn();
      const padded = `${small.jar.header('/')!}; pad=${'x'.repeat(3000)}`;
      const r = {
        method: 'GET',
        url: '/api/x',
        header: (n: string) => (n === 'cookie' ? padded : undefined),
      };
      await assert.rejects(small.login.authenticator.authenticate(r), (e: unknown) =>
        hasErrorCode(e, 'REQUEST_TOO_LARGE'),
      );
      // The limit counts bytes: 700 three-byte characters are 2100 bytes in fewer than 2048 characters.
      const wide = `${small.jar.header('/')!}; pad=${'\u20ac'.repeat(700)}`;
      assert.ok(wide.length < 2048);
      await assert.rejects(
        small.login.authenticator.authenticate({
          ...r,
          header: (n: string) => (n === 'cookie' ? wide : undefined),
        }),
        (e: unknown) => hasErrorCode(e, 'REQUEST_TOO_LARGE'),
      );
      assert.throws(
        () => setup(mode, { maxCookieHeaderBytes: 10 }),
        (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
      );
    });
  });
}

describe('capped OAuth responses', () => {
  test('a token response without Content-Length is cut off at 64 KiB', async () => {
    for (const grant of ['authorization_code', 'refresh_token'] as const) {
      const { stream, pulled } = lazyStream(8 * 1024 * 1024);
      await assert.rejects(processTokenResponse(new Response(stream), grant), (e: unknown) =>
        hasErrorCode(e, grant === 'authorization_code' ? 'TOKEN_EXCHANGE_FAILED' : 'REFRESH_FAILED'),
      );
      assert.ok(pulled() < 256 * 1024, `read ${pulled()} bytes`);
    }
  });

  test('a revoke error response is read capped', async () => {
    const { stream, pulled } = lazyStream(8 * 1024 * 1024);
    await assert.rejects(processRevokeResponse(new Response(stream, { status: 400 })), (e: unknown) =>
      hasErrorCode(e, 'TOKEN_EXCHANGE_FAILED'),
    );
    assert.ok(pulled() < 256 * 1024, `read ${pulled()} bytes`);
  });
});

describe('cookie mode revocationStore', () => {
  function twoInstances(revocationStore: RevocationStore | undefined) {
    const a = setup('cookie', {
      session: { mode: 'cookie', secrets: [SECRET], revocationStore },
    });
    const b = a.otherProcess({ mode: 'cookie', secrets: [SECRET], revocationStore });
    return { a, b };
  }

  async function logoutOnA(a: ReturnType<typeof setup>) {
    const csrf = a.login.csrfToken(a.requestLike())!;
    const res = await a.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
    assert.equal(res.status, 303);
  }

  test('without it, a logout on A is not seen by B (the documented limit)', async () => {
    const { a, b } = twoInstances(undefined);
    await a.signIn();
    const captured = a.jar.clone();
    await logoutOnA(a);
    assert.ok((await b.authenticator.authenticate(a.requestLike(captured))).principal);
  });

  test('sharing a SessionStore: logout on A, the old cookie is refused on B', async () => {
    const shared = createMemorySessionStore();
    const { a, b } = twoInstances(shared);
    await a.signIn();
    const captured = a.jar.clone();
    assert.ok((await b.authenticator.authenticate(a.requestLike(captured))).principal, 'B accepts it first');
    await logoutOnA(a);
    assert.equal((await b.authenticator.authenticate(a.requestLike(captured))).principal, null);
    assert.equal((await a.login.authenticator.authenticate(a.requestLike(captured))).principal, null);
    assert.equal(shared.size(), 1);
  });

  test('the minimal { set, has } port works too, and a failing port fails closed', async () => {
    const keys = new Map<string, number>();
    const port: RevocationPort = {
      async set(key, ttlMs) {
        assert.match(key, /^[0-9a-f]{64}$/);
        assert.ok(ttlMs > 0);
        keys.set(key, ttlMs);
      },
      async has(key) {
        return keys.has(key);
      },
    };
    const { a, b } = twoInstances(port);
    await a.signIn();
    const captured = a.jar.clone();
    await logoutOnA(a);
    assert.equal(keys.size, 1);
    assert.equal((await b.authenticator.authenticate(a.requestLike(captured))).principal, null);

    const broken: RevocationPort = {
      set: async () => {},
      has: async () => {
        throw new Error('down');
      },
    };
    const c = twoInstances(broken);
    await c.a.signIn();
    await assert.rejects(c.b.authenticator.authenticate(c.a.requestLike()), (e: unknown) =>
      hasErrorCode(e, 'STORE_FAILED'),
    );
    assert.throws(
      () => setup('cookie', { session: { mode: 'cookie', secrets: [SECRET], revocationStore: {} as never } }),
      (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
    );
  });
});

describe('store mode encrypts tokens at rest', () => {
  test('the stored record holds no token in clear; refresh through another instance still works', async () => {
    const h = setup('store');
    await h.signIn({ username: 'alice' });
    const value = h.jar.cookies.get('__Host-ccg-session')!.value;
    const [id, secret] = value.split('.') as [string, string];
    const record = await h.store.get(hashSessionId(id));
    assert.ok(record);
    // Anchored on the opening quote of a JSON string: random base64 ciphertext may contain
    // "eyJ" or "rt-1" by chance (about 1% of runs), but never a quote.
    assert.doesNotMatch(record.data, /"(eyJ|rt-\d|alice")/, 'no JWT, refresh token or user name in the data');
    const header = readStoredHeader(record.data)!;
    assert.equal(header.secretHash, hashSessionSecret(secret));
    // Only the cookie's secret opens it; the store's own contents do not.
    assert.equal(openStored(header.enc, storedDataKey(header.secretHash), hashSessionId(id), id), undefined);
    const opened = openStored(header.enc, storedDataKey(secret), hashSessionId(id), id);
    assert.equal(opened?.state.refreshToken, 'rt-2');
    // Bound to its key: the same data under another id does not open.
    assert.equal(openStored(header.enc, storedDataKey(secret), hashSessionId('x'.repeat(22)), id), undefined);

    // A second instance on the same store refreshes with the cookie alone.
    const b = h.otherProcess({ mode: 'store', store: h.store, secrets: [SECRET] });
    h.clock.t += 3600_000;
    const out = await b.authenticator.authenticate(h.requestLike());
    assert.ok(out.principal);
    assert.equal(h.fake.calls.refresh, 1);
    const after = await h.store.get(hashSessionId(id));
    assert.notEqual(after!.data, record.data);
    assert.doesNotMatch(after!.data, /"(eyJ|rt-\d)/);
    assert.ok((await h.authenticate()).principal, 'the first instance opens the rewritten record');
    assert.equal(h.fake.calls.refresh, 1);
  });

  test('a record with a wrong secret hash or altered ciphertext is no session', async () => {
    const h = setup('store');
    await h.signIn();
    const [id] = h.jar.cookies.get('__Host-ccg-session')!.value.split('.') as [string, string];
    const record = (await h.store.get(hashSessionId(id)))!;
    const header = readStoredHeader(record.data)!;
    const flipped = header.enc.slice(0, 40) + (header.enc[40] === 'A' ? 'B' : 'A') + header.enc.slice(41);
    await h.store.set(hashSessionId(id), {
      ...record,
      data: JSON.stringify({ v: 2, sh: header.secretHash, enc: flipped }),
    });
    const fresh = h.otherProcess({ mode: 'store', store: h.store, secrets: [SECRET] });
    assert.equal((await fresh.authenticator.authenticate(h.requestLike())).principal, null);
  });
});

describe('cookie mode: sessions that outgrow the cookie', () => {
  /** `n` group names of 40 characters: about 57 bytes of sealed cookie each (kept once). */
  const groupsOf = (n: number) =>
    Array.from({ length: n }, (_, i) => `group-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`);

  test('tokens that outgrow the cookie at a refresh end the session: 401, reported, refresh token revoked', async () => {
    const seen: unknown[] = [];
    const h = setup('cookie', { onServerError: (error) => seen.push(error) });
    const user: { groups: string[] } = { groups: ['staff'] };
    await h.signIn(user);
    user.groups = groupsOf(260); // added in Cognito: the refreshed tokens carry them
    h.clock.t += 3600_000 + 1000;
    await assert.rejects(h.login.authenticator.authenticate(h.requestLike()), (e: unknown) => {
      assert.ok(hasErrorCode(e, 'SESSION_EXPIRED'));
      const setCookies = e.details?.['setCookies'] as string[];
      assert.ok(setCookies.some((c) => c.startsWith('__Host-ccg-session=') && c.includes('Max-Age=0')));
      return true;
    });
    assert.ok(hasErrorCode(seen[0], 'SESSION_TOO_LARGE'));
    assert.equal(h.fake.calls.revoke, 1);
    // The ended session is not refreshed again on the next request.
    const refreshes = h.fake.calls.refresh;
    assert.equal((await h.authenticate()).principal, null);
    assert.equal(h.fake.calls.refresh, refreshes);
  });

  test('a readable session too large to rewrite keeps its cookie at a touch instead of failing', async () => {
    // Signed in where a larger Cookie header is allowed, read back by an app with the default cap.
    const big = setup('cookie', { maxCookieHeaderBytes: 65_536 });
    big.fake.lifetime = 86_400; // the access token outlives the touch interval: no refresh
    await big.signIn({ groups: groupsOf(220) });
    const header = big.jar.header('/api/x')!;
    assert.ok(header.length > 14_336 && header.length < 16_384, `cookie header ${header.length} bytes`);
    const small = big.otherProcess({ mode: 'cookie', secrets: [SECRET] });
    big.clock.t += 2 * 3600_000; // past the touch interval (one hour)
    const out = await small.authenticator.authenticate(big.requestLike());
    assert.ok(out.principal);
    assert.deepEqual(out.setCookies, []);
  });
});
