/**
 * End to end in a real browser: Debian's Chromium driven by playwright-core against the Articles
 * app and the Cognito emulator, both started in-process on free ports (SQLite in memory).
 * The browser binary is required: without it this test FAILS (it never skips).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningDemo, startDemo } from '../src/demo.ts';
import { clientCredentialsToken } from './helpers.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');

describe('articles in a real browser', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
    demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: ':memory:' });
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
    // The app's Content-Security-Policy (nonce-only scripts and styles) must not block anything.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('dialog', (dialog) => {
      throw new Error(`unexpected dialog: ${dialog.message()}`);
    });
  });

  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await demo?.close();
  });

  /** The text of the first element matching `selector`. */
  async function text(selector: string): Promise<string> {
    return ((await page.locator(selector).first().textContent()) ?? '').trim();
  }

  /** From the app's signed-out page, through the emulator's form, back to the app. */
  async function signIn(username: string) {
    await page.goto(`${demo.appUrl}/`);
    await page.click('#sign-in');
    await page.waitForSelector('#signInFormUsername');
    assert.ok(
      page.url().startsWith(demo.emulatorUrl),
      `expected the emulator's sign-in page, got ${page.url()}`,
    );
    await page.fill('#signInFormUsername', username);
    await page.fill('#signInFormPassword', DEMO_PASSWORD);
    await page.click('button[name="signInSubmitButton"]');
    await page.waitForSelector('#profile');
    assert.ok(page.url().startsWith(demo.appUrl), `expected the app, got ${page.url()}`);
  }

  /** Calls the API from the page, with the page's cookies and CSRF token. */
  function fromPage(method: string, path: string, body?: unknown, withCsrf = true) {
    return page.evaluate(
      async ({ method, path, body, withCsrf }) => {
        const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
        const headers: Record<string, string> = {
          accept: 'application/json',
          'content-type': 'application/json',
        };
        if (withCsrf) headers['x-csrf-token'] = csrf;
        const res = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.text() };
      },
      { method, path, body, withCsrf },
    );
  }

  let articleId = '';

  it('signs an editor in through the emulator and shows the profile and groups', async () => {
    await page.goto(`${demo.appUrl}/`);
    assert.equal(await text('#sign-in'), 'Sign in');
    await signIn('editor');
    assert.equal(await text('#username'), 'editor');
    assert.equal(await text('#email'), 'editor@example.com');
    assert.match(await text('#groups'), /editors/);
    assert.doesNotMatch(await text('#groups'), /admins/);
    assert.match(await text('h1'), /Eddie Editor/);
    // The session gives the same principal shape a bearer token gives.
    const me = await fromPage('GET', '/api/me');
    assert.equal(me.status, 200);
    const principal = JSON.parse(me.body) as Record<string, unknown>;
    assert.equal(principal['source'], 'session');
    assert.equal(principal['username'], 'editor');
    assert.deepEqual(principal['groups'], ['editors']);
    assert.equal(principal['isMachine'], false);
    assert.equal(typeof principal['replicaUserId'], 'number');
  });

  it('creates an article from the form (HTML in the title is shown as text)', async () => {
    await page.fill('form.add input[name="title"]', 'Browser <b>article</b>');
    await page.fill('form.add textarea[name="body"]', 'Written in Chromium.\nSecond line.');
    await Promise.all([page.waitForEvent('load'), page.click('form.add button[type="submit"]')]);
    const item = page.locator('ul.articles li', { hasText: 'Browser <b>article</b>' });
    assert.equal(await item.count(), 1);
    articleId = (await item.getAttribute('data-article-id')) ?? '';
    assert.match(articleId, /^\d+$/);
    assert.equal(
      await page.locator('ul.articles b').count(),
      0,
      'markup from the title must not be rendered',
    );
  });

  it('shows validation errors from the API next to the field', async () => {
    await page.fill('form.add input[name="title"]', '   ');
    await page.click('form.add button[type="submit"]');
    await page.waitForSelector('[data-error-for="title"]:not(:empty)');
    assert.match(await text('[data-error-for="title"]'), /required/);
  });

  it('saves a screenshot of the signed-in page', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.goto(`${demo.appUrl}/`);
    await page.screenshot({ path: join(ARTIFACTS, 'signed-in.png'), fullPage: true });
  });

  it('does not let an editor delete: no button, and a forced API call is refused', async () => {
    assert.equal(await page.locator('button[data-delete]').count(), 0);
    const forced = await fromPage('DELETE', `/api/articles/${articleId}`);
    assert.equal(forced.status, 403);
    assert.match(forced.body, /GROUP_REQUIRED/);
  });

  it('refuses a session-authenticated write without the CSRF token', async () => {
    const res = await fromPage('POST', '/api/articles', { title: 'no csrf' }, false);
    assert.equal(res.status, 403);
    assert.match(res.body, /CSRF_INVALID/);
  });

  it('signs out locally and at the emulator: the next sign-in shows the form again', async () => {
    await Promise.all([page.waitForURL(`${demo.appUrl}/`), page.click('#sign-out')]);
    await page.waitForSelector('#sign-in');
    const me = await page.evaluate(
      async () => (await fetch('/api/articles', { headers: { accept: 'application/json' } })).status,
    );
    assert.equal(me, 401);
    await page.click('#sign-in');
    // The emulator's hosted session is gone: it asks for credentials instead of redirecting back.
    await page.waitForSelector('#signInFormUsername');
    assert.ok(page.url().startsWith(demo.emulatorUrl));
  });

  it('signs an admin in, who sees delete buttons and deletes the article', async () => {
    await signIn('admin');
    assert.match(await text('#groups'), /admins/);
    const button = page.locator(`button[data-delete="${articleId}"]`);
    assert.equal(await button.count(), 1);
    await page.screenshot({ path: join(ARTIFACTS, 'signed-in-admin.png'), fullPage: true });
    await Promise.all([page.waitForEvent('load'), button.click()]);
    assert.equal(await page.locator(`li[data-article-id="${articleId}"]`).count(), 0);
  });

  it('serves a client-credentials bearer token: GET allowed, as a machine principal', async () => {
    const token = await clientCredentialsToken(demo.emulatorUrl, DEMO_CLIENTS.machine, 'articles/read');
    const list = await fetch(`${demo.appUrl}/api/articles`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(list.status, 200);
    const me = await fetch(`${demo.appUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    const principal = (await me.json()) as Record<string, unknown>;
    assert.equal(principal['isMachine'], true);
    assert.equal(principal['username'], null);
    assert.equal(principal['source'], 'bearer');
    assert.deepEqual(principal['scopes'], ['articles/read']);
  });

  it('met no Content-Security-Policy violation on the way', () => {
    assert.deepEqual(cspViolations, []);
  });
});
