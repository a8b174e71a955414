/**
 * The hosted pages beside sign-in, driven as a browser would (cookies, the `_csrf` field):
 * sign up, confirm with the code (then signed in and back to the app with a code), and forgot
 * password (code, new password, then the sign-in form), with the same codes as the user API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CookieJar,
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  hostedSignIn,
  type RunningEmulator,
  start,
} from '../src/index.ts';

const CALLBACK = 'http://localhost:3000/auth/callback';
const PASSWORD = 'Hosted-Passw0rd!';

function fieldOf(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(m, `no ${name} field`);
  return m[1]!;
}

function hrefOf(html: string, text: string): string {
  const m = new RegExp(`<a href="([^"]*)">${text}</a>`).exec(html);
  assert.ok(m, `no link "${text}"`);
  return m[1]!.replace(/&#38;/g, '&');
}

function alertOf(html: string): string | undefined {
  return /<div class="(?:err|ok)" role="(?:alert|status)">([^<]*)<\/div>/
    .exec(html)?.[1]
    ?.replace(/&#39;/g, "'");
}

describe('hosted sign-up and forgot-password pages', () => {
  let emu: RunningEmulator;
  let jar: CookieJar;

  const get = async (path: string) => {
    const res = await fetch(new URL(path, emu.url), {
      redirect: 'manual',
      headers: { cookie: jar.header() },
    });
    jar.store(res);
    return { res, html: await res.text() };
  };
  const post = async (path: string, html: string, form: Record<string, string>) => {
    const res = await fetch(new URL(path, emu.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: fieldOf(html, '_csrf'), ...form }).toString(),
    });
    jar.store(res);
    return { res, html: await res.text() };
  };
  const formAction = (html: string, name: string) => {
    const m = new RegExp(`<form method="post" action="([^"]*)" name="${name}"`).exec(html);
    assert.ok(m, `no form ${name}`);
    return m[1]!.replace(/&#38;/g, '&');
  };
  const authorize = `/oauth2/authorize?${new URLSearchParams({
    client_id: DEMO_CLIENTS.web.clientId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email',
    state: 'st-1',
  })}`;

  before(async () => {
    emu = await start({ port: 0 });
  });
  after(async () => {
    await emu.stop();
  });

  test('sign up, confirm with the code, signed in and back to the app', async () => {
    jar = new CookieJar();
    const login = await get(authorize);
    assert.equal(login.res.status, 302);
    const page = await get(login.res.headers.get('location')!);
    const signUpHref = hrefOf(page.html, 'Sign up');
    assert.match(signUpHref, /^\/signup\?client_id=/);
    const form = await get(signUpHref);
    assert.equal(form.res.status, 200);

    const weak = await post(formAction(form.html, 'cognitoSignUpForm'), form.html, {
      username: 'ivy',
      email: 'ivy@example.com',
      password: 'weak',
    });
    assert.equal(weak.res.status, 400);
    assert.equal(alertOf(weak.html), 'Password did not conform with policy: Password not long enough');
    const taken = await post(formAction(form.html, 'cognitoSignUpForm'), form.html, {
      username: 'admin',
      email: 'x@example.com',
      password: PASSWORD,
    });
    assert.equal(alertOf(taken.html), 'User already exists');

    const created = await post(formAction(form.html, 'cognitoSignUpForm'), form.html, {
      username: 'ivy',
      email: 'ivy@example.com',
      password: PASSWORD,
    });
    assert.equal(created.res.status, 302);
    const confirmPath = created.res.headers.get('location')!;
    assert.match(confirmPath, /\/confirmUser\?.*username=ivy/);
    const confirm = await get(confirmPath);
    assert.match(confirm.html, /i\*\*\*@e\*\*\*/);

    const wrong = await post(formAction(confirm.html, 'cognitoConfirmForm'), confirm.html, {
      code: '00000x',
    });
    assert.equal(alertOf(wrong.html), 'Invalid verification code provided, please try again.');
    const resent = await post(formAction(confirm.html, 'cognitoResendForm'), confirm.html, { resend: '1' });
    assert.match(alertOf(resent.html) ?? '', /A new code was sent/);
    const [code] = emu.codes({ username: 'ivy', purpose: 'signup' });
    assert.ok(code);
    const done = await post(formAction(confirm.html, 'cognitoConfirmForm'), confirm.html, {
      code: code.code,
    });
    assert.equal(done.res.status, 302);
    const back = new URL(done.res.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, CALLBACK);
    assert.equal(back.searchParams.get('state'), 'st-1');
    assert.ok(back.searchParams.get('code'));

    const sources = emu.triggers.filter((t) => t.event['userName'] === 'ivy').map((t) => t.triggerSource);
    assert.deepEqual(sources, [
      'PreSignUp_SignUp',
      'PostConfirmation_ConfirmSignUp',
      'PostAuthentication_Authentication',
    ]);

    const token = await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${DEMO_CLIENTS.web.clientId}:${DEMO_CLIENTS.web.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: CALLBACK,
      }).toString(),
    });
    const body = (await token.json()) as { id_token: string };
    const id = JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString('utf8'));
    assert.equal(id['cognito:username'], 'ivy');
    assert.equal(id['email_verified'], true);
  });

  test('forgot password: code, new password, then sign-in with it', async () => {
    jar = new CookieJar();
    const login = await get(authorize);
    const page = await get(login.res.headers.get('location')!);
    const forgot = await get(hrefOf(page.html, 'Forgot your password\\?'));
    const sent = await post(formAction(forgot.html, 'cognitoForgotForm'), forgot.html, {
      username: 'reader',
    });
    assert.equal(sent.res.status, 302);
    const resetPage = await get(sent.res.headers.get('location')!);
    const action = formAction(resetPage.html, 'cognitoResetForm');
    const [code] = emu.codes({ username: 'reader', purpose: 'forgot_password' });
    assert.ok(code);

    const mismatch = await post(action, resetPage.html, {
      code: code.code,
      password: PASSWORD,
      confirm_password: `${PASSWORD}x`,
    });
    assert.equal(alertOf(mismatch.html), 'Passwords do not match.');
    const wrong = await post(action, resetPage.html, {
      code: code.code === '111111' ? '222222' : '111111',
      password: PASSWORD,
      confirm_password: PASSWORD,
    });
    assert.equal(alertOf(wrong.html), 'Invalid verification code provided, please try again.');
    const done = await post(action, resetPage.html, {
      code: code.code,
      password: PASSWORD,
      confirm_password: PASSWORD,
    });
    assert.equal(done.res.status, 200);
    assert.equal(alertOf(done.html), 'Your password has been reset. Sign in with your new password.');
    assert.match(done.html, /name="cognitoSignInForm"/);

    const url = `${emu.url}${authorize}`;
    await assert.rejects(hostedSignIn({ url, username: 'reader', password: DEMO_PASSWORD }));
    const signedIn = await hostedSignIn({ url, username: 'reader', password: PASSWORD });
    assert.ok(signedIn.code);
    assert.ok(emu.triggers.some((t) => t.triggerSource === 'PostConfirmation_ConfirmForgotPassword'));
  });

  test('a form without the CSRF cookie is refused; an unregistered redirect URI never gets a page', async () => {
    jar = new CookieJar();
    const form = await get(`/signup?${new URL(authorize, emu.url).searchParams}`);
    jar.cookies.clear();
    const refused = await post(formAction(form.html, 'cognitoSignUpForm'), form.html, {
      username: 'mallory',
      email: 'm@example.com',
      password: PASSWORD,
    });
    assert.equal(refused.res.status, 403);
    assert.equal(emu.codes({ username: 'mallory' }).length, 0);

    const bad = await get(
      `/signup?client_id=${DEMO_CLIENTS.web.clientId}&redirect_uri=https://evil.example/cb&response_type=code`,
    );
    assert.equal(bad.res.status, 302);
    assert.match(bad.res.headers.get('location')!, /\/error\?error=redirect_mismatch/);
  });
});
