/**
 * The Fastify variant of the Articles API, over real HTTP with bearer tokens from the emulator:
 * proves the Fastify plugin (per-route `config.auth`, groups, the replica hook).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { definePool } from 'cognito-code-grant';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_CLIENTS, DEMO_PASSWORD, type RunningEmulator, start } from 'cognito-code-grant-emulator';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createArticleStore } from '../src/articles.ts';
import { createFastifyApp } from '../src/fastify-app.ts';
import { clientCredentialsToken, passwordLogin } from './helpers.ts';

describe('articles API on Fastify', () => {
  let emulator: RunningEmulator;
  let db: Kysely<any>;
  let app: FastifyInstance;
  let base: string;
  let machine: string;
  let editor: string;
  let reader: string;

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const count = () => createArticleStore(db, { usersTable: 'cognito_users' }).count();
  const login = async (username: string) =>
    (
      await passwordLogin({
        emulatorUrl: emulator.url,
        client: DEMO_CLIENTS.web,
        // Registered in the demo seed; the code is read from the redirect, nothing listens there.
        redirectUri: 'http://localhost:3000/auth/callback',
        username,
        password: DEMO_PASSWORD,
      })
    ).access_token;

  before(async () => {
    emulator = await start({ port: 0, host: '127.0.0.1' });
    db = await createDatabase(':memory:');
    const pool = definePool({
      userPoolId: emulator.pool().userPoolId,
      clientId: [DEMO_CLIENTS.web.clientId, DEMO_CLIENTS.machine.clientId],
      issuer: emulator.issuer(),
    });
    app = await createFastifyApp({ pool, db });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    machine = await clientCredentialsToken(emulator.url, DEMO_CLIENTS.machine);
    editor = await login('editor');
    reader = await login('reader');
  });
  after(async () => {
    await app?.close();
    await db?.destroy();
    await emulator?.stop();
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const res = await call('GET', '/api/articles');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.equal(((await res.json()) as { error: string }).error, 'TOKEN_MISSING');
  });

  it('lists articles for a machine token, and refuses it on POST (no group)', async () => {
    const list = await call('GET', '/api/articles', machine);
    assert.equal(list.status, 200);
    assert.deepEqual(await list.json(), { articles: [] });
    const post = await call('POST', '/api/articles', machine, { title: 'x' });
    assert.equal(post.status, 403);
    assert.equal(((await post.json()) as { error: string }).error, 'GROUP_REQUIRED');
  });

  it('refuses a reader on POST', async () => {
    const res = await call('POST', '/api/articles', reader, { title: 'x' });
    assert.equal(res.status, 403);
  });

  it('validates the body (400, nothing written), then lets an editor create', async () => {
    const before = await count();
    const bad = await call('POST', '/api/articles', editor, { title: '', body: 'b' });
    assert.equal(bad.status, 400);
    const problem = (await bad.json()) as { error: string; fields: Record<string, string> };
    assert.equal(problem.error, 'VALIDATION_FAILED');
    assert.equal(typeof problem.fields['title'], 'string');
    assert.equal(await count(), before);

    const ok = await call('POST', '/api/articles', editor, { title: 'From Fastify', body: 'hello' });
    assert.equal(ok.status, 201);
    const { article } = (await ok.json()) as { article: { title: string; author: string } };
    assert.equal(article.title, 'From Fastify');
    assert.equal(article.author, 'editor');
    assert.equal(await count(), before + 1);
  });
});
