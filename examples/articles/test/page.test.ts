/** The page escapes everything it prints; validation rules of a new article. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentSecurityPolicy, escapeHtml, renderPage } from '../src/page.ts';
import { validateArticle } from '../src/validation.ts';

const EVIL = `"><script>alert(1)</script><img src=x onerror=alert(2)>'\``;

describe('page', () => {
  it('escapes user, token and database values', () => {
    const html = renderPage({
      user: { name: EVIL, username: EVIL, email: EVIL, groups: [EVIL] },
      articles: [{ id: 1, title: EVIL, body: EVIL, authorId: 1, author: EVIL, createdAt: 0 }],
      canWrite: true,
      canDelete: true,
      csrfToken: EVIL,
      csrfField: 'csrf',
      csrfHeader: 'x-csrf-token',
      loginPath: '/auth/login',
      logoutPath: '/auth/logout',
      nonce: 'n0nce',
    });
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<img src=x/);
    assert.doesNotMatch(html, /"><script/);
    // Only the page's own script, with its nonce.
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="n0nce">/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('shows the sign-in button when signed out, and no form or delete button', () => {
    const html = renderPage({
      user: null,
      articles: [],
      canWrite: false,
      canDelete: false,
      csrfToken: undefined,
      csrfField: 'csrf',
      csrfHeader: 'x-csrf-token',
      loginPath: '/auth/login',
      logoutPath: '/auth/logout',
      nonce: 'n',
    });
    assert.match(html, /id="sign-in" href="\/auth\/login">Sign in</);
    assert.doesNotMatch(html, /id="sign-out"|<form class="add"|data-delete="/);
  });

  it('escapes every HTML-significant character and builds a nonce CSP', () => {
    assert.equal(escapeHtml(`<>&"'\``), '&lt;&gt;&amp;&quot;&#39;&#96;');
    assert.match(contentSecurityPolicy('abc'), /script-src 'nonce-abc'/);
    assert.match(contentSecurityPolicy('abc'), /default-src 'none'/);
  });
});

describe('validateArticle', () => {
  it('accepts a trimmed title of 1-200 characters (code points) and a body up to 10000', () => {
    assert.deepEqual(validateArticle({ title: ' Hi ', body: 'b' }), {
      ok: true,
      value: { title: 'Hi', body: 'b' },
    });
    assert.equal(validateArticle({ title: '😀'.repeat(200) }).ok, true);
    assert.equal(validateArticle({ title: 'x', body: 'y'.repeat(10_000) }).ok, true);
    assert.deepEqual(validateArticle({ title: 'x' }), { ok: true, value: { title: 'x', body: '' } });
  });

  it('names each bad field', () => {
    const r = validateArticle({ title: 'x'.repeat(201), body: 5 });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.ok(r.fields['title']);
      assert.ok(r.fields['body']);
    }
    for (const input of [null, [], 'title', 42]) {
      const bad = validateArticle(input);
      assert.equal(bad.ok, false);
    }
  });
});
