/**
 * The Articles API over real HTTP: the app and the Cognito emulator run in-process on free
 * ports, SQLite in memory, tokens from the emulator's real endpoints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { createArticleStore } from '../src/articles.ts';
import { type RunningDemo, startDemo } from '../src/demo.ts';
import { clientCredentialsToken, passwordLogin } from './helpers.ts';

describe('articles API', () => {
  let demo: RunningDemo;
  let machine: string;
  let editor: string;
  let admin: string;
  let reader: string;

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    headers.set('accept', 'application/json');
    return fetch(`${demo.appUrl}${path}`, { ...init, headers });
  };
  const count = () => createArticleStore(demo.db, { usersTable: 'cognito_users' }).count();
  const userToken = async (username: string) =>
    (
      await passwordLogin({
        emulatorUrl: demo.emulatorUrl,
        client: DEMO_CLIENTS.web,
        redirectUri: `${demo.appUrl}/auth/callback`,
        username,
        password: DEMO_PASSWORD,
      })
    ).access_token;

  before(async () => {
    demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: ':memory:' });
    machine = await clientCredentialsToken(demo.emulatorUrl, DEMO_CLIENTS.machine, 'articles/read');
    editor = await userToken('editor');
    admin = await userToken('admin');
    reader = await userToken('reader');
  });
  after(async () => {
    await demo?.close();
  });

  it('answers 401 with a Bearer challenge without credentials', async () => {
    const res = await api('/api/articles');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    const body = (await res.json()) as { error: string };
    assert.equal(body.error, 'AUTH_REQUIRED');
  });

  it('answers 401 for a forged token', async () => {
    const [h, p] = editor.split('.');
    const res = await api('/api/articles', { token: `${h}.${p}.AAAA` });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('lists articles for a machine (client-credentials) token', async () => {
    const res = await api('/api/articles', { token: machine });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { articles: unknown[] };
    assert.ok(Array.isArray(body.articles));
  });

  it('refuses a machine token on POST: it is in no group', async () => {
    const res = await api('/api/articles', {
      method: 'POST',
      token: machine,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'From a machine' }),
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, 'GROUP_REQUIRED');
  });

  it('refuses a reader (no editors group) on POST', async () => {
    const before = await count();
    const res = await api('/api/articles', {
      method: 'POST',
      token: reader,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Not allowed' }),
    });
    assert.equal(res.status, 403);
    assert.equal(await count(), before);
  });

  it('validates the body: 400 with field errors and nothing written', async () => {
    const before = await count();
    const cases: [unknown, string][] = [
      [{ title: '' }, 'title'],
      [{ title: '   ' }, 'title'],
      [{ body: 'no title' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 42 }, 'title'],
      [{ title: 'ok', body: 'y'.repeat(10_001) }, 'body'],
      [{ title: 'ok', body: ['array'] }, 'body'],
    ];
    for (const [input, field] of cases) {
      const res = await api('/api/articles', {
        method: 'POST',
        token: editor,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      assert.equal(res.status, 400, JSON.stringify(input).slice(0, 60));
      const body = (await res.json()) as { error: string; fields: Record<string, string> };
      assert.equal(body.error, 'VALIDATION_FAILED');
      assert.equal(
        typeof body.fields[field],
        'string',
        `${field} error for ${JSON.stringify(input).slice(0, 60)}`,
      );
    }
    const malformed = await api('/api/articles', {
      method: 'POST',
      token: editor,
      headers: { 'content-type': 'application/json' },
      body: '{"title": ',
    });
    assert.equal(malformed.status, 400);
    // Malformed JSON says so; a body over the API's 64 KiB limit is 413 naming the limit.
    assert.deepEqual(await malformed.json(), {
      error: 'BAD_REQUEST',
      message: 'The request body is not valid JSON',
    });
    const huge = await api('/api/articles', {
      method: 'POST',
      token: editor,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'big', body: 'x'.repeat(70_000) }),
    });
    assert.equal(huge.status, 413);
    assert.deepEqual(await huge.json(), {
      error: 'REQUEST_TOO_LARGE',
      message: 'The request body exceeds the limit of 65536 bytes',
    });
    assert.equal(await count(), before);
  });

  it('lets an editor create an article (JSON and form bodies), authored by its replica user', async () => {
    const before = await count();
    const res = await api('/api/articles', {
      method: 'POST',
      token: editor,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: '  Hello <world>  ', body: 'First & foremost' }),
    });
    assert.equal(res.status, 201);
    const { article } = (await res.json()) as {
      article: { id: number; title: string; author: string; authorId: number };
    };
    assert.equal(article.title, 'Hello <world>');
    assert.equal(article.author, 'editor');
    const user = await demo.db
      .selectFrom('cognito_users')
      .select(['id', 'username'])
      .where('id', '=', article.authorId)
      .executeTakeFirst();
    assert.equal(user?.username, 'editor');

    const form = await api('/api/articles', {
      method: 'POST',
      token: editor,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ title: 'Form post', body: '' }),
    });
    assert.equal(form.status, 201);
    assert.equal(await count(), before + 2);

    const list = (await (await api('/api/articles', { token: reader })).json()) as {
      articles: { title: string }[];
    };
    assert.ok(list.articles.some((a) => a.title === 'Hello <world>'));
  });

  it('refuses DELETE to a non-admin (403) and deletes for an admin (204, then 404)', async () => {
    const created = await api('/api/articles', {
      method: 'POST',
      token: editor,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'To be deleted' }),
    });
    const { article } = (await created.json()) as { article: { id: number } };

    const forbidden = await api(`/api/articles/${article.id}`, { method: 'DELETE', token: editor });
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: string }).error, 'GROUP_REQUIRED');
    const anonymous = await api(`/api/articles/${article.id}`, { method: 'DELETE' });
    assert.equal(anonymous.status, 401);

    const ok = await api(`/api/articles/${article.id}`, { method: 'DELETE', token: admin });
    assert.equal(ok.status, 204);
    const again = await api(`/api/articles/${article.id}`, { method: 'DELETE', token: admin });
    assert.equal(again.status, 404);
    const junk = await api('/api/articles/1%20OR%201=1', { method: 'DELETE', token: admin });
    assert.equal(junk.status, 404);
  });

  it('applies trigger events from the emulator (signed webhook) to the replica', async () => {
    await demo.emulator.flushWebhooks();
    const delivered = demo.emulator.triggers.filter((t) => t.delivered);
    assert.ok(delivered.length > 0, 'the sign-ins above produced delivered trigger events');
    assert.ok(
      demo.emulator.triggers.every((t) => t.delivered),
      'every event was accepted by the app',
    );

    // A console-style admin change: disable `reader` in the pool; the app learns it by webhook.
    const state = demo.emulator.state;
    const pool = state.pool(demo.pool.userPoolId);
    state.setEnabled(pool, state.getUser(pool, 'reader'), false);
    await demo.emulator.flushWebhooks();
    const row = await demo.db
      .selectFrom('cognito_users')
      .select(['enabled'])
      .where('username', '=', 'reader')
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.enabled), 0);
    // The replica now refuses the disabled user, even with a still-valid token.
    const res = await api('/api/articles', { token: reader });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: string }).error, 'USER_DISABLED');
  });

  it('enforces the foreign key from articles.author_id to the replica users table', async () => {
    await assert.rejects(
      demo.db
        .insertInto('articles')
        .values({ title: 't', body: '', author_id: 999_999, created_at: Date.now() })
        .execute(),
    );
  });
});
