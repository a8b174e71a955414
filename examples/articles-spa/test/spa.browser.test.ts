/**
 * The single-page app in a real browser: Debian's Chromium driven by playwright-core, the SPA
 * (a fresh Vite build) on its own origin, the Articles API and the Cognito emulator, all on free
 * ports. Amplify's own UI signs a new user up, the code is read from the emulator-only endpoint,
 * Amplify signs in with SRP (its default), the page lists articles across origins (CORS); an
 * editor creates one; sign-out clears the tokens.
 * The browser binary is required: without it this test FAILS (it never skips).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSpa } from 'articles-spa-example/server';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningDemo, startDemo } from '../../articles/src/demo.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-artifacts');
const NEW_USER = 'newcomer';
const NEW_PASSWORD = 'Str0ng!Passw0rd';
const RESET_PASSWORD = 'An0ther!Passw0rd';

describe('the single-page app in a real browser', () => {
  let dir: string;
  let demo: RunningDemo;
  let spaUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  /** The cognito-idp operations the page called, e.g. `InitiateAuth USER_SRP_AUTH`. */
  const cognitoCalls: string[] = [];

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    dir = mkdtempSync(join(tmpdir(), 'articles-spa-e2e-'));
    await buildSpa(join(dir, 'dist'));
    demo = await startDemo({
      port: 0,
      emulatorPort: 0,
      host: '127.0.0.1',
      databaseUrl: ':memory:',
      spa: { port: 0, dir: join(dir, 'dist') },
    });
    spaUrl = demo.spaUrl!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // A CSP violation, a CORS refusal or an uncaught error fails the run (checked at the end).
    page.on('console', (message) => {
      if (/Content Security Policy|CORS|Access-Control/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('request', (request) => {
      const target = request.headers()['x-amz-target'];
      if (!target || !request.url().startsWith(demo.emulatorUrl)) return;
      const flow = (request.postDataJSON() as { AuthFlow?: string } | null)?.AuthFlow;
      cognitoCalls.push(
        [target.replace('AWSCognitoIdentityProviderService.', ''), flow].filter(Boolean).join(' '),
      );
    });
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function text(selector: string): Promise<string> {
    return ((await page.locator(selector).first().textContent()) ?? '').trim();
  }

  /** Amplify's sign-in form: username and password, then the signed-in view. */
  async function signIn(username: string, password: string) {
    await page.waitForSelector('input[name="username"]');
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', password);
    await page.locator('button[type="submit"]', { hasText: /^Sign in$/ }).click();
    await page.waitForSelector('#username');
    assert.equal(await text('#username'), username);
  }

  async function signOut() {
    await page.click('#sign-out');
    await page.waitForSelector('input[name="username"]');
  }

  /** The code the emulator would have e-mailed (its emulator-only endpoint). */
  async function emailedCode(username: string, purpose: 'signup' | 'forgot_password'): Promise<string> {
    const res = await fetch(`${demo.emulatorUrl}/_emulator/codes?username=${encodeURIComponent(username)}`);
    assert.equal(res.status, 200);
    const { codes } = (await res.json()) as { codes: { purpose: string; code: string }[] };
    const code = codes.filter((c) => c.purpose === purpose).at(-1)?.code;
    assert.ok(code, `no ${purpose} code for ${username}: ${JSON.stringify(codes)}`);
    return code;
  }

  it('is served on its own origin, configured for the emulator', async () => {
    assert.notEqual(new URL(spaUrl).origin, new URL(demo.appUrl).origin);
    await page.goto(spaUrl);
    await page.waitForSelector('input[name="username"]');
    const config = await page.evaluate(async () => (await fetch('/config.json')).json());
    assert.equal(config.userPoolEndpoint, `${demo.emulatorUrl}/`);
    assert.equal(config.apiUrl, demo.appUrl);
  });

  it('signs a new user up through Amplify, confirms with the code, and signs in (SRP)', async () => {
    await page.getByRole('tab', { name: 'Create Account' }).click();
    await page.fill('input[name="username"]', NEW_USER);
    await page.fill('input[name="email"]', `${NEW_USER}@example.com`);
    await page.fill('input[name="password"]', NEW_PASSWORD);
    await page.fill('input[name="confirm_password"]', NEW_PASSWORD);
    await page.locator('button[type="submit"]', { hasText: /^Create Account$/ }).click();
    await page.waitForSelector('input[name="confirmation_code"]');
    await page.fill('input[name="confirmation_code"]', await emailedCode(NEW_USER, 'signup'));
    await page.locator('button[type="submit"]', { hasText: /^Confirm$/ }).click();
    // Amplify signs the confirmed user in by itself (SRP with the password it was given).
    await page.waitForSelector('#username');
    assert.equal(await text('#username'), NEW_USER);
    assert.deepEqual(cognitoCalls.slice(0, 4), [
      'SignUp',
      'ConfirmSignUp',
      'InitiateAuth USER_SRP_AUTH',
      'RespondToAuthChallenge',
    ]);
    await page.waitForSelector('#no-articles, ul.articles');
    assert.equal(await text('#groups'), '(none)');
    assert.equal(await page.locator('form.add').count(), 0, 'no form for a user outside editors');
    // The API knows the new user: its replica row came from the token (and the trigger events).
    const row = await demo.db
      .selectFrom('cognito_users')
      .select(['username', 'email'])
      .where('username', '=', NEW_USER)
      .executeTakeFirst();
    assert.deepEqual(row, { username: NEW_USER, email: `${NEW_USER}@example.com` });
  });

  it('signs out, then signs the new user in again with the form (SRP) and lists articles', async () => {
    await signOut();
    cognitoCalls.length = 0;
    await signIn(NEW_USER, NEW_PASSWORD);
    assert.deepEqual(cognitoCalls.slice(0, 2), ['InitiateAuth USER_SRP_AUTH', 'RespondToAuthChallenge']);
    await page.waitForSelector('#no-articles, ul.articles');
    assert.equal(await page.locator('#api-error').count(), 0);
  });

  it("resets the new user's password through Amplify's forgot-password screens", async () => {
    await signOut();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.fill('input[name="username"]', NEW_USER);
    await page.locator('button[type="submit"]', { hasText: /^Send code$/ }).click();
    await page.waitForSelector('input[name="confirmation_code"]');
    await page.fill('input[name="confirmation_code"]', await emailedCode(NEW_USER, 'forgot_password'));
    await page.fill('input[name="password"]', RESET_PASSWORD);
    await page.fill('input[name="confirm_password"]', RESET_PASSWORD);
    await page.locator('button[type="submit"]', { hasText: /^Submit$/ }).click();
    // Amplify goes back to its sign-in form: the new password works (the old one no longer does).
    await signIn(NEW_USER, RESET_PASSWORD);
  });

  it('reads the API refusal across origins: 401 with WWW-Authenticate exposed', async () => {
    const answer = await page.evaluate(async (apiUrl) => {
      const res = await fetch(`${apiUrl}/api/articles`);
      return { status: res.status, challenge: res.headers.get('www-authenticate') };
    }, demo.appUrl);
    assert.equal(answer.status, 401);
    assert.match(answer.challenge ?? '', /^Bearer /);
  });

  it('reads a 403 across origins, with the token where the docs say Amplify keeps it', async () => {
    const key = `CognitoIdentityServiceProvider.${DEMO_CLIENTS.public.clientId}.${NEW_USER}.accessToken`;
    const answer = await page.evaluate(
      async ({ apiUrl, key }) => {
        const res = await fetch(`${apiUrl}/api/articles`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${localStorage.getItem(key)}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ title: 'not an editor' }),
        });
        return { status: res.status, body: await res.text() };
      },
      { apiUrl: demo.appUrl, key },
    );
    assert.equal(answer.status, 403);
    assert.match(answer.body, /GROUP_REQUIRED/);
  });

  it('lets an editor sign in and create an article, and shows validation errors', async () => {
    await signOut();
    await signIn('editor', DEMO_PASSWORD);
    await page.waitForSelector('form.add');
    assert.match(await text('#groups'), /editors/);
    await page.fill('form.add input[name="title"]', '   ');
    await page.click('form.add button[type="submit"]');
    await page.waitForSelector('[data-error-for="title"]:not(:empty)');
    assert.match(await text('[data-error-for="title"]'), /required/);

    await page.fill('form.add input[name="title"]', 'From the <b>SPA</b>');
    await page.fill('form.add textarea[name="body"]', 'Written with Amplify tokens.');
    await page.click('form.add button[type="submit"]');
    const item = page.locator('ul.articles li', { hasText: 'From the <b>SPA</b>' });
    await item.waitFor();
    assert.equal(await item.locator('.author').textContent(), 'editor');
    assert.equal(await page.locator('ul.articles b').count(), 0, 'markup in the title is text');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'spa-signed-in-editor.png'), fullPage: true });
    const rows = await demo.db.selectFrom('articles').select(['title']).execute();
    assert.deepEqual(
      rows.map((r) => r.title),
      ['From the <b>SPA</b>'],
    );
  });

  it('signs out: the tokens leave the browser and the sign-in form is back', async () => {
    await signOut();
    const kept = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => /accessToken|idToken|refreshToken/.test(k)),
    );
    assert.deepEqual(kept, []);
    await page.reload();
    await page.waitForSelector('input[name="username"]');
    assert.equal(await page.locator('#username').count(), 0);
  });

  it('met no CSP violation, CORS refusal or page error on the way', () => {
    assert.deepEqual(problems, []);
  });
});
