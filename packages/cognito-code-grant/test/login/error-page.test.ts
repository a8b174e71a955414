/** The login routes' HTML error pages, rendered by the app in its own look (renderErrorPage). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import type { ErrorPage } from '../../src/http/login/responses.ts';
import { setup } from './harness.ts';

const escapeText = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

test("renderErrorPage: a refused callback is the app's page, with the library's status and headers", async () => {
  const pages: ErrorPage[] = [];
  const h = setup('cookie', {
    renderErrorPage: (page) => {
      pages.push(page);
      return `<!doctype html><link rel="stylesheet" href="/app.css"><main class="app"><h1>${escapeText(page.title)}</h1><p>${escapeText(page.message)}</p><a href="${escapeText(page.loginPath ?? '/')}">Try again</a></main>`;
    },
  });
  const res = await h.call('GET', '/auth/callback?code=abc&state=forged');
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // The app's own stylesheet may load; nothing else.
  assert.equal(
    res.headers.get('content-security-policy'),
    "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'",
  );
  const html = await res.text();
  assert.match(html, /<main class="app"><h1>Your sign-in could not be completed<\/h1>/);
  assert.match(html, /href="\/auth\/login"/);
  assert.deepEqual(pages, [
    {
      status: 400,
      code: 'LOGIN_STATE_MISSING',
      title: 'Your sign-in could not be completed',
      message: 'No sign-in is in progress in this browser',
      loginPath: '/auth/login',
    },
  ]);

  // API clients still get JSON.
  const json = await h.call('GET', '/auth/callback?code=abc&state=forged', {
    headers: { accept: 'application/json' },
  });
  assert.deepEqual(await json.json(), {
    error: 'LOGIN_STATE_MISSING',
    message: 'No sign-in is in progress in this browser',
  });
  assert.equal(pages.length, 1);
});

test('renderErrorPage: headers of its own (a CSP), never the status or Set-Cookie; a throwing renderer falls back', async () => {
  const h = setup('cookie', {
    renderErrorPage: () => ({
      html: '<p>custom</p>',
      headers: { 'content-security-policy': "default-src 'self'", 'set-cookie': 'evil=1', 'x-page': 'app' },
    }),
  });
  const res = await h.call('GET', '/auth/callback?code=abc&state=forged');
  assert.equal(res.status, 400);
  assert.equal(await res.text(), '<p>custom</p>');
  assert.equal(res.headers.get('content-security-policy'), "default-src 'self'");
  assert.equal(res.headers.get('x-page'), 'app');
  assert.ok(!res.headers.getSetCookie().includes('evil=1'));

  const broken = setup('cookie', {
    renderErrorPage: () => {
      throw new Error('template missing');
    },
  });
  const fallback = await broken.call('GET', '/auth/callback?code=abc&state=forged');
  assert.equal(fallback.status, 400);
  assert.equal(fallback.headers.get('content-security-policy'), "default-src 'none'");
  assert.match(await fallback.text(), /<code>LOGIN_STATE_MISSING<\/code>/);

  assert.throws(
    () => setup('cookie', { renderErrorPage: 'page.html' as never }),
    (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID') && /renderErrorPage/.test(e.message),
  );
});
