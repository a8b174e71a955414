/** Bad requests get Cognito's errors at /oauth2/authorize, /login, /oauth2/token, /oauth2/revoke, /logout. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  CookieJar,
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  HostedSignInError,
  hostedSignIn,
  type RunningEmulator,
  SESSION_COOKIE,
  start,
} from '../src/index.ts';

const WEB = DEMO_CLIENTS.web;
const CALLBACK = 'http://localhost:3000/auth/callback';
const VERIFIER = 'v'.repeat(43) + 'Abc-._~';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

describe('Cognito error behaviour', () => {
  let emu: RunningEmulator;
  let clock = Date.UTC(2026, 0, 1);

  before(async () => {
    emu = await start({ port: 0, now: () => clock });
  });
  after(() => emu.stop());
  beforeEach(() => {
    emu.faults.tokenEndpoint = {};
    emu.faults.jwks = null;
  });

  const authorizeUrl = (params: Record<string, string>) =>
    `${emu.url}/oauth2/authorize?${new URLSearchParams({
      client_id: WEB.clientId,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid email',
      state: 'st',
      ...params,
    })}`;

  const raw = (url: string, init: RequestInit = {}) => fetch(url, { redirect: 'manual', ...init });

  const token = (
    form: Record<string, string>,
    basic: string | null = `${WEB.clientId}:${WEB.clientSecret}`,
  ) =>
    fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
      },
      body: new URLSearchParams(form),
    });

  async function code(params: Record<string, string> = {}, username = 'admin'): Promise<string> {
    const r = await hostedSignIn({ url: authorizeUrl(params), username, password: DEMO_PASSWORD });
    assert.ok(r.code, r.location);
    return r.code;
  }

  async function expectTokenError(res: Response, error: string, status = 400): Promise<void> {
    assert.equal(res.status, status);
    assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(((await res.json()) as { error: string }).error, error);
  }

  test('authorize: unknown client or unregistered redirect_uri -> error page, never the app', async () => {
    for (const params of [
      { redirect_uri: 'https://evil.example/cb' },
      { client_id: 'unknownclient' },
    ] as Record<string, string>[]) {
      const res = await raw(authorizeUrl(params));
      assert.equal(res.status, 302);
      const location = res.headers.get('location')!;
      assert.ok(location.startsWith(`${emu.url}/error?error=`), location);
      const page = await raw(location);
      assert.equal(page.status, 400);
    }
    const mismatch = await raw(authorizeUrl({ redirect_uri: `${CALLBACK}/` }));
    assert.match(mismatch.headers.get('location')!, /error=redirect_mismatch/);
  });

  test('authorize: errors redirected to the app with state', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_type: '' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unauthorized_client'],
      [{ scope: 'openid admin/everything' }, 'invalid_scope'],
      [{ code_challenge: CHALLENGE }, 'invalid_request'],
      [{ code_challenge: CHALLENGE, code_challenge_method: 'S512' }, 'invalid_request'],
      [{ code_challenge: CHALLENGE, code_challenge_method: 'plain' }, 'invalid_request'],
      [{ identity_provider: 'Google' }, 'invalid_request'],
      [{ prompt: 'none' }, 'login_required'],
    ];
    for (const [params, error] of cases) {
      const res = await raw(authorizeUrl(params));
      assert.equal(res.status, 302, JSON.stringify(params));
      const location = new URL(res.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, CALLBACK);
      assert.equal(location.searchParams.get('error'), error, JSON.stringify(params));
      assert.equal(location.searchParams.get('state'), 'st');
    }
    const ok = await raw(authorizeUrl({ identity_provider: 'COGNITO', login_hint: 'editor', lang: 'fr' }));
    assert.ok(ok.headers.get('location')!.startsWith(`${emu.url}/login?`));
    const page = await (await fetch(ok.headers.get('location')!)).text();
    assert.match(page, /name="username"[^>]*value="editor"/);
  });

  test('login page: wrong password, unknown user, disabled user, missing csrf', async () => {
    await assert.rejects(
      hostedSignIn({ url: authorizeUrl({}), username: 'admin', password: 'wrong' }),
      (err: HostedSignInError) => err.message === 'Incorrect username or password.',
    );
    await assert.rejects(
      hostedSignIn({ url: authorizeUrl({}), username: 'nobody', password: DEMO_PASSWORD }),
      (err: HostedSignInError) => err.message === 'Incorrect username or password.',
    );
    const pool = emu.state.pool('us-east-1_Demo0001');
    const reader = emu.state.getUser(pool, 'reader');
    emu.state.setEnabled(pool, reader, false);
    await assert.rejects(
      hostedSignIn({ url: authorizeUrl({}), username: 'reader', password: DEMO_PASSWORD }),
      (err: HostedSignInError) => err.message === 'User is disabled.',
    );
    emu.state.setEnabled(pool, reader, true);
    const noCsrf = await raw(`${emu.url}/login?${new URL(authorizeUrl({})).searchParams}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'admin', password: DEMO_PASSWORD }),
    });
    assert.equal(noCsrf.status, 403);
    // email works as a sign-in alias
    assert.ok(
      (await hostedSignIn({ url: authorizeUrl({}), username: 'editor@example.com', password: DEMO_PASSWORD }))
        .code,
    );
  });

  test('token: client authentication', async () => {
    const c = await code();
    await expectTokenError(
      await token(
        { grant_type: 'authorization_code', code: c, redirect_uri: CALLBACK },
        `${WEB.clientId}:wrong`,
      ),
      'invalid_client',
    );
    await expectTokenError(
      await token(
        { grant_type: 'authorization_code', code: c, redirect_uri: CALLBACK, client_id: WEB.clientId },
        null,
      ),
      'invalid_client',
    );
    await expectTokenError(
      await token({ grant_type: 'authorization_code', code: c }, 'nobody:secret'),
      'invalid_client',
    );
    // client_secret_post works
    const post = await token(
      {
        grant_type: 'authorization_code',
        code: c,
        redirect_uri: CALLBACK,
        client_id: WEB.clientId,
        client_secret: WEB.clientSecret,
      },
      null,
    );
    assert.equal(post.status, 200);
    // JSON body refused
    const json = await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    await expectTokenError(json, 'invalid_request');
    await expectTokenError(await token({ grant_type: 'password' }), 'unsupported_grant_type');
    await expectTokenError(await token({}), 'invalid_request');
  });

  test('token: reused, expired, wrong redirect_uri and wrong PKCE verifier codes', async () => {
    const c = await code();
    assert.equal(
      (await token({ grant_type: 'authorization_code', code: c, redirect_uri: CALLBACK })).status,
      200,
    );
    await expectTokenError(
      await token({ grant_type: 'authorization_code', code: c, redirect_uri: CALLBACK }),
      'invalid_grant',
    );

    const old = await code();
    clock += 5 * 60 * 1000 + 1;
    await expectTokenError(
      await token({ grant_type: 'authorization_code', code: old, redirect_uri: CALLBACK }),
      'invalid_grant',
    );

    const other = await code();
    await expectTokenError(
      await token({
        grant_type: 'authorization_code',
        code: other,
        redirect_uri: 'http://127.0.0.1:3000/auth/callback',
      }),
      // Registered, but not the one sent to authorize: Cognito answers unauthorized_client.
      'unauthorized_client',
    );
    const unregistered = await code();
    await expectTokenError(
      await token({
        grant_type: 'authorization_code',
        code: unregistered,
        redirect_uri: 'https://evil.example/',
      }),
      'unauthorized_client',
    );

    const pkce = await code({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    await expectTokenError(
      await token({
        grant_type: 'authorization_code',
        code: pkce,
        redirect_uri: CALLBACK,
        code_verifier: `${VERIFIER}x`,
      }),
      'invalid_grant',
    );
    const pkce2 = await code({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    await expectTokenError(
      await token({ grant_type: 'authorization_code', code: pkce2, redirect_uri: CALLBACK }),
      'invalid_grant',
    );
    const pkce3 = await code({ code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    assert.equal(
      (
        await token({
          grant_type: 'authorization_code',
          code: pkce3,
          redirect_uri: CALLBACK,
          code_verifier: VERIFIER,
        })
      ).status,
      200,
    );
    // a code is bound to its client
    const forWeb = await code();
    await expectTokenError(
      await token(
        {
          grant_type: 'authorization_code',
          code: forWeb,
          redirect_uri: CALLBACK,
          client_id: DEMO_CLIENTS.public.clientId,
        },
        null,
      ),
      'invalid_grant',
    );
  });

  test('refresh: revoked, other client, disabled and deleted users -> invalid_grant', async () => {
    const issue = async (username: string) => {
      const res = await token({
        grant_type: 'authorization_code',
        code: await code({}, username),
        redirect_uri: CALLBACK,
      });
      return ((await res.json()) as { refresh_token: string }).refresh_token;
    };
    const rt = await issue('editor');
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: rt })).status, 200);
    await expectTokenError(await token({ grant_type: 'refresh_token' }), 'invalid_request');
    await expectTokenError(
      await token(
        { grant_type: 'refresh_token', refresh_token: rt, client_id: DEMO_CLIENTS.public.clientId },
        null,
      ),
      'invalid_grant',
    );

    // revoke: 401 for a bad client, 400 for a JWT, 200 twice
    const revoke = (form: Record<string, string>, basic = `${WEB.clientId}:${WEB.clientSecret}`) =>
      fetch(`${emu.url}/oauth2/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
        },
        body: new URLSearchParams(form),
      });
    await expectTokenError(await revoke({ token: rt }, `${WEB.clientId}:nope`), 'invalid_client', 401);
    await expectTokenError(await revoke({}), 'invalid_request');
    await expectTokenError(await revoke({ token: 'a.b.c' }), 'unsupported_token_type');
    assert.equal((await revoke({ token: rt })).status, 200);
    assert.equal((await revoke({ token: rt })).status, 200);
    assert.equal((await revoke({ token: 'never-issued' })).status, 200);
    await expectTokenError(await token({ grant_type: 'refresh_token', refresh_token: rt }), 'invalid_grant');

    const pool = emu.state.pool('us-east-1_Demo0001');
    const disabledRt = await issue('reader');
    emu.state.setEnabled(pool, emu.state.getUser(pool, 'reader'), false);
    await expectTokenError(
      await token({ grant_type: 'refresh_token', refresh_token: disabledRt }),
      'invalid_grant',
    );
    emu.state.setEnabled(pool, emu.state.getUser(pool, 'reader'), true);
    // disabling signs the user out: the token stays dead after re-enabling
    await expectTokenError(
      await token({ grant_type: 'refresh_token', refresh_token: disabledRt }),
      'invalid_grant',
    );

    emu.state.adminCreateUser(pool, 'temp', { email: 'temp@example.com' }, undefined);
    emu.state.setPassword(pool, emu.state.getUser(pool, 'temp'), 'Temp-Passw0rd!', true);
    const r = await hostedSignIn({ url: authorizeUrl({}), username: 'temp', password: 'Temp-Passw0rd!' });
    const tr = await token({ grant_type: 'authorization_code', code: r.code!, redirect_uri: CALLBACK });
    const deletedRt = ((await tr.json()) as { refresh_token: string }).refresh_token;
    emu.state.deleteUser(pool, emu.state.getUser(pool, 'temp'));
    await expectTokenError(
      await token({ grant_type: 'refresh_token', refresh_token: deletedRt }),
      'invalid_grant',
    );
  });

  test('expired access token is refused by userInfo; token lifetimes follow the client', async () => {
    const res = await token({ grant_type: 'authorization_code', code: await code(), redirect_uri: CALLBACK });
    const { access_token } = (await res.json()) as { access_token: string };
    const ok = await fetch(`${emu.url}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    assert.equal(ok.status, 200);
    clock += 3600 * 1000;
    const expired = await fetch(`${emu.url}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    assert.equal(expired.status, 401);
    const missing = await fetch(`${emu.url}/oauth2/userInfo`);
    assert.equal(missing.status, 400);
    // Cognito's form: the parameters without a `Bearer` scheme.
    assert.match(
      missing.headers.get('www-authenticate') ?? '',
      /^error="invalid_request", error_description="/,
    );
    emu.state.pool('us-east-1_Demo0001').clients.get(WEB.clientId)!.accessTokenValiditySeconds = 300;
    const short = await token({
      grant_type: 'authorization_code',
      code: await code(),
      redirect_uri: CALLBACK,
    });
    assert.equal(((await short.json()) as { expires_in: number }).expires_in, 300);
    emu.state.pool('us-east-1_Demo0001').clients.get(WEB.clientId)!.accessTokenValiditySeconds = 3600;
  });

  test('logout: registered logout_uri clears the session; unregistered never redirects out', async () => {
    const jar = new CookieJar();
    await hostedSignIn({ url: authorizeUrl({}), username: 'admin', password: DEMO_PASSWORD, jar });
    assert.ok(jar.cookies.has(SESSION_COOKIE));
    const bad = await raw(
      `${emu.url}/logout?${new URLSearchParams({ client_id: WEB.clientId, logout_uri: 'https://evil.example/' })}`,
      { headers: { cookie: jar.header() } },
    );
    assert.equal(bad.status, 302);
    assert.ok(bad.headers.get('location')!.startsWith(`${emu.url}/error?`));
    const missing = await raw(`${emu.url}/logout?client_id=${WEB.clientId}`);
    assert.ok(missing.headers.get('location')!.startsWith(`${emu.url}/error?`));

    const good = await raw(
      `${emu.url}/logout?${new URLSearchParams({ client_id: WEB.clientId, logout_uri: 'http://localhost:3000/' })}`,
      { headers: { cookie: jar.header() } },
    );
    assert.equal(good.status, 302);
    assert.equal(good.headers.get('location'), 'http://localhost:3000/');
    jar.store(good);
    assert.ok(!jar.cookies.has(SESSION_COOKIE));
    // the next authorize shows the form again (prompt=none now fails)
    const silent = await raw(authorizeUrl({ prompt: 'none' }), { headers: { cookie: jar.header() } });
    assert.equal(new URL(silent.headers.get('location')!).searchParams.get('error'), 'login_required');

    // redirect_uri + response_type: sign out, then the login form
    await hostedSignIn({ url: authorizeUrl({}), username: 'admin', password: DEMO_PASSWORD, jar });
    const relogin = await raw(
      `${emu.url}/logout?${new URLSearchParams({ client_id: WEB.clientId, redirect_uri: CALLBACK, response_type: 'code', state: 'x' })}`,
      { headers: { cookie: jar.header() } },
    );
    assert.ok(relogin.headers.get('location')!.startsWith(`${emu.url}/login?`));
    jar.store(relogin);
    const r = await hostedSignIn({
      url: relogin.headers.get('location')!,
      username: 'editor',
      password: DEMO_PASSWORD,
      jar,
    });
    assert.equal(r.formShown, true);
    assert.equal(r.state, 'x');
  });

  test('faults: slow or failing token endpoint, broken JWKS', async () => {
    emu.faults.tokenEndpoint = { failWith: { status: 503, body: { error: 'server_error' } }, failTimes: 1 };
    assert.equal((await token({ grant_type: 'client_credentials' })).status, 503);
    await expectTokenError(await token({ grant_type: 'client_credentials' }), 'unauthorized_client');
    emu.faults.jwks = 'broken';
    await assert.rejects((await fetch(emu.pool().jwksUri)).json());
    emu.faults.jwks = 'empty';
    assert.deepEqual(await (await fetch(emu.pool().jwksUri)).json(), { keys: [] });
    emu.faults.jwks = 'error';
    assert.equal((await fetch(emu.pool().jwksUri)).status, 500);
    emu.faults.jwks = null;
    // delay is applied (observed through ordering, not wall-clock): a delayed request answers after a prompt one
    emu.faults.tokenEndpoint = { delayMs: 200 };
    const order: string[] = [];
    const slow = token({ grant_type: 'client_credentials' }).then(() => order.push('slow'));
    const fast = fetch(emu.pool().jwksUri).then(() => order.push('fast'));
    await Promise.all([slow, fast]);
    emu.faults.tokenEndpoint = {};
    assert.deepEqual(order, ['fast', 'slow']);
  });

  test('new-password step for FORCE_CHANGE_PASSWORD users', async () => {
    const pool = emu.state.pool('us-east-1_Demo0001');
    emu.state.adminCreateUser(pool, 'newbie', { email: 'newbie@example.com' }, 'Temp-Passw0rd!');
    await assert.rejects(
      hostedSignIn({ url: authorizeUrl({}), username: 'newbie', password: 'Temp-Passw0rd!' }),
      HostedSignInError,
    );
    const r = await hostedSignIn({
      url: authorizeUrl({}),
      username: 'newbie',
      password: 'Temp-Passw0rd!',
      newPassword: 'Final-Passw0rd!',
    });
    assert.ok(r.code);
    assert.equal(emu.state.getUser(pool, 'newbie').status, 'CONFIRMED');
  });
});
