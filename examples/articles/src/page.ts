/**
 * The web page at `/`: plain server-rendered HTML, a little script for the add and delete
 * buttons, and a strict Content-Security-Policy (scripts and styles only with this response's
 * nonce). Every value that comes from a user, a token or the database goes through `escapeHtml`.
 */
import { randomBytes } from 'node:crypto';
import type { ErrorPage } from 'cognito-code-grant';
import type { Article } from './articles.ts';

export interface PageUser {
  /** Display name: the `name` claim, else the username. */
  readonly name: string;
  readonly username: string | null;
  readonly email: string | undefined;
  readonly groups: readonly string[];
}

export interface PageModel {
  readonly user: PageUser | null;
  readonly articles: readonly Article[];
  readonly canWrite: boolean;
  readonly canDelete: boolean;
  /** CSRF token for the sign-out form and the API calls the page's script makes. */
  readonly csrfToken: string | undefined;
  /** Name of the form field the logout route reads the CSRF token from. */
  readonly csrfField: string;
  /** Header name the API reads the CSRF token from on session-authenticated writes. */
  readonly csrfHeader: string;
  readonly loginPath: string;
  readonly logoutPath: string;
  /** A nonce for this response's `<script>` and `<style>`. */
  readonly nonce: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** The CSP header value matching `renderPage` for this nonce. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const CSS = `
:root { color-scheme: light; --fg: #1d2430; --muted: #5b6575; --line: #e3e7ee; --accent: #2f5bd3; --danger: #c0392b; --bg: #f5f7fb; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); }
.bar { max-width: 860px; margin: 0 auto; padding: 14px 24px; display: flex; align-items: center; justify-content: space-between; gap: 16px; }
.brand { font-weight: 700; font-size: 18px; letter-spacing: .2px; }
main { max-width: 860px; margin: 0 auto; padding: 24px; display: grid; gap: 20px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 22px; }
h1 { font-size: 24px; margin: 0 0 6px; }
h2 { font-size: 18px; margin: 0 0 14px; }
.muted { color: var(--muted); }
.profile { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 12px 0 0; }
.profile dt { color: var(--muted); }
.profile dd { margin: 0; }
.chip { display: inline-block; padding: 1px 10px; margin-right: 6px; border-radius: 999px; background: #e8eefc; color: #23439b; font-size: 13px; }
.button, button { font: inherit; border: 0; border-radius: 8px; padding: 8px 16px; background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
.button.secondary, button.secondary { background: #eef1f6; color: var(--fg); }
button.danger { background: transparent; color: var(--danger); border: 1px solid #f0c9c4; padding: 4px 12px; font-size: 14px; }
ul.articles { list-style: none; padding: 0; margin: 0; }
ul.articles li { border-top: 1px solid var(--line); padding: 14px 0; display: flex; gap: 16px; justify-content: space-between; align-items: flex-start; }
ul.articles li:first-child { border-top: 0; padding-top: 0; }
.title { font-weight: 600; }
.body { white-space: pre-wrap; margin: 4px 0; }
.meta { font-size: 13px; color: var(--muted); }
form.add { display: grid; gap: 10px; }
label { font-size: 14px; color: var(--muted); display: grid; gap: 4px; }
input[type=text], textarea { font: inherit; padding: 8px 10px; border: 1px solid #cfd6e2; border-radius: 8px; width: 100%; }
textarea { min-height: 90px; resize: vertical; }
.error { color: var(--danger); font-size: 14px; margin-top: -4px; }
.error:empty { display: none; }
.logo { display: inline-grid; place-items: center; width: 28px; height: 28px; border-radius: 7px; background: var(--accent); color: #fff; font-size: 15px; margin-right: 10px; }
.brand { display: flex; align-items: center; }
header form { display: flex; align-items: center; gap: 12px; margin: 0; }
.hero { text-align: center; padding: 48px 22px; }
.hero p { margin: 8px 0 22px; }
`;

const SCRIPT = `
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const header = document.querySelector('meta[name="csrf-header"]')?.getAttribute('content') ?? 'x-csrf-token';
  const form = document.querySelector('form.add');
  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const el of form.querySelectorAll('.error')) el.textContent = '';
      const data = Object.fromEntries(new FormData(form));
      const res = await fetch('/api/articles', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', [header]: csrf },
        body: JSON.stringify(data),
      });
      if (res.ok) return location.reload();
      const problem = await res.json().catch(() => ({}));
      const fields = problem.fields ?? { _: problem.message ?? 'Could not save (' + res.status + ')' };
      for (const [name, message] of Object.entries(fields)) {
        const slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]') ?? form.querySelector('[data-error-for="_"]');
        if (slot) slot.textContent = String(message);
      }
    });
  }
  for (const button of document.querySelectorAll('button[data-delete]')) {
    button.addEventListener('click', async () => {
      const res = await fetch('/api/articles/' + encodeURIComponent(button.dataset.delete), {
        method: 'DELETE',
        headers: { accept: 'application/json', [header]: csrf },
      });
      if (res.ok || res.status === 404) return location.reload();
      alert('Delete failed (' + res.status + ')');
    });
  }
})();
`;

function renderArticle(article: Article, canDelete: boolean): string {
  const when = new Date(article.createdAt).toISOString().replace('T', ' ').slice(0, 16);
  const del = canDelete
    ? `<button type="button" class="danger" data-delete="${escapeHtml(article.id)}" aria-label="Delete ${escapeHtml(article.title)}">Delete</button>`
    : '';
  return `<li data-article-id="${escapeHtml(article.id)}">
      <div>
        <div class="title">${escapeHtml(article.title)}</div>
        ${article.body ? `<div class="body">${escapeHtml(article.body)}</div>` : ''}
        <div class="meta">by ${escapeHtml(article.author ?? 'unknown')} · ${escapeHtml(when)} UTC</div>
      </div>
      ${del}
    </li>`;
}

function signedOut(model: PageModel): string {
  return `<section class="card hero">
    <h1>Articles</h1>
    <p class="muted">Sign in with your user pool account to read and write articles.</p>
    <a class="button" id="sign-in" href="${escapeHtml(model.loginPath)}">Sign in</a>
  </section>`;
}

function signedIn(model: PageModel, user: PageUser): string {
  const groups =
    user.groups.length > 0
      ? user.groups.map((g) => `<span class="chip">${escapeHtml(g)}</span>`).join('')
      : '<span class="muted">none</span>';
  const list =
    model.articles.length > 0
      ? `<ul class="articles">${model.articles.map((a) => renderArticle(a, model.canDelete)).join('')}</ul>`
      : '<p class="muted" id="no-articles">No articles yet.</p>';
  const add = model.canWrite
    ? `<section class="card">
    <h2>New article</h2>
    <form class="add" novalidate>
      <label>Title <input type="text" name="title" maxlength="200" required></label>
      <div class="error" data-error-for="title"></div>
      <label>Body <textarea name="body" maxlength="10000"></textarea></label>
      <div class="error" data-error-for="body"></div>
      <div class="error" data-error-for="_"></div>
      <div><button type="submit">Publish</button></div>
    </form>
  </section>`
    : '';
  return `<section class="card" id="profile">
    <h1>Hello, ${escapeHtml(user.name)}</h1>
    <dl class="profile">
      <dt>Username</dt><dd id="username">${escapeHtml(user.username ?? '')}</dd>
      <dt>Email</dt><dd id="email">${escapeHtml(user.email ?? '')}</dd>
      <dt>Groups</dt><dd id="groups">${groups}</dd>
    </dl>
  </section>
  ${add}
  <section class="card">
    <h2>Articles</h2>
    ${list}
  </section>`;
}

/** Renders the whole page. */
export function renderPage(model: PageModel): string {
  const user = model.user;
  const signOut = user
    ? `<form method="post" action="${escapeHtml(model.logoutPath)}">
        <input type="hidden" name="${escapeHtml(model.csrfField)}" value="${escapeHtml(model.csrfToken ?? '')}">
        <span class="muted">${escapeHtml(user.username ?? user.name)}</span>
        <button type="submit" class="secondary" id="sign-out">Sign out</button>
      </form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeHtml(model.csrfToken ?? '')}">
<meta name="csrf-header" content="${escapeHtml(model.csrfHeader)}">
<title>Articles</title>
<style nonce="${escapeHtml(model.nonce)}">${CSS}</style>
</head>
<body>
<header><div class="bar"><span class="brand"><span class="logo" aria-hidden="true">A</span>Articles</span>${signOut}</div></header>
<main>
${user ? signedIn(model, user) : signedOut(model)}
</main>
<script nonce="${escapeHtml(model.nonce)}">${SCRIPT}</script>
</body>
</html>
`;
}

/**
 * The login routes' error pages (a refused callback, a failed CSRF check...) in the app's look:
 * `createCognitoLogin({ renderErrorPage })`. Every value is escaped; the CSP is the page's own.
 */
export function renderErrorPage(page: ErrorPage): { html: string; headers: Record<string, string> } {
  const nonce = randomBytes(16).toString('base64');
  const again = page.loginPath
    ? `<p><a class="button" href="${escapeHtml(page.loginPath)}">Sign in again</a></p>`
    : '<p><a href="/">Back to Articles</a></p>';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)} - Articles</title>
<style nonce="${escapeHtml(nonce)}">${CSS}</style>
</head>
<body>
<header><div class="bar"><span class="brand"><span class="logo" aria-hidden="true">A</span>Articles</span></div></header>
<main>
  <section class="card" id="error">
    <h2>${escapeHtml(page.title)}</h2>
    <p>${escapeHtml(page.message)}</p>
    <p class="muted">Error code <code>${escapeHtml(page.code)}</code></p>
    ${again}
  </section>
</main>
</body>
</html>
`;
  return { html, headers: { 'content-security-policy': contentSecurityPolicy(nonce) } };
}
