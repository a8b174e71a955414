/**
 * CORS on the Articles API, Express (`cors`) and Fastify (`@fastify/cors`): a page on an allowed
 * origin gets the headers on 200, and on the library's 401 and 403 too (so it can read them, and
 * the WWW-Authenticate challenge); a page on any other origin gets none; no credentials ever.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { definePool, type PoolConfig } from 'cognito-code-grant';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_CLIENTS, DEMO_PASSWORD, type RunningEmulator, start } from 'cognito-code-grant-emulator';
import type { Kysely } from 'kysely';
import { createApp } from '../src/app.ts';
import { createFastifyApp } from '../src/fastify-app.ts';
import { passwordLogin } from './helpers.ts';

const SPA = 'http://localhost:3001';
const OTHER = 'https://evil.example';

type Start = (
  pool: PoolConfig,
  db: Kysely<any>,
  corsOrigins?: string[],
) => Promise<{ base: string; close(): Promise<void> }>;

const express: Start = async (pool, db, corsOrigins) => {
  const { app } = await createApp({
    pool,
    db,
    appUrl: 'http://localhost:3000',
    sessionSecrets: ['cors-test-secret-cors-test-secret-0123456789'],
    corsOrigins,
  });
  const server: Server = await new Promise((done) => {
    const s = app.listen(0, '127.0.0.1', () => done(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
};

const fastify: Start = async (pool, db, corsOrigins) => {
  const app = await createFastifyApp({ pool, db, corsOrigins });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base, close: () => app.close() };
};

for (const [name, startApp] of [
  ['Express', express],
  ['Fastify', fastify],
] as const) {
  describe(`CORS on the ${name} Articles API`, () => {
    let emulator: RunningEmulator;
    let db: Kysely<any>;
    let withCors: { base: string; close(): Promise<void> };
    let without: { base: string; close(): Promise<void> };
    let reader: string;

    before(async () => {
      emulator = await start({ port: 0, host: '127.0.0.1' });
      db = await createDatabase(':memory:');
      const pool = definePool({
        userPoolId: emulator.pool().userPoolId,
        clientId: [DEMO_CLIENTS.web.clientId, DEMO_CLIENTS.public.clientId],
        clientSecret: DEMO_CLIENTS.web.clientSecret,
        domain: emulator.url,
        issuer: emulator.issuer(),
      });
      withCors = await startApp(pool, db, [SPA]);
      without = await startApp(pool, db);
      reader = (
        await passwordLogin({
          emulatorUrl: emulator.url,
          client: DEMO_CLIENTS.web,
          redirectUri: 'http://localhost:3000/auth/callback',
          username: 'reader',
          password: DEMO_PASSWORD,
        })
      ).access_token;
    });
    after(async () => {
      await withCors?.close();
      await without?.close();
      await db?.destroy();
      await emulator?.stop();
    });

    const get = (base: string, origin: string, token?: string) =>
      fetch(`${base}/api/articles`, {
        headers: { origin, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });

    it('answers the preflight of a bearer POST from the allowed origin, without credentials', async () => {
      const res = await fetch(`${withCors.base}/api/articles`, {
        method: 'OPTIONS',
        headers: {
          origin: SPA,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), SPA);
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i);
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
    });

    it('puts the headers on a 200', async () => {
      const res = await get(withCors.base, SPA, reader);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), SPA);
      assert.match(res.headers.get('vary') ?? '', /origin/i);
    });

    it('puts the headers on the 401 and exposes WWW-Authenticate', async () => {
      const res = await get(withCors.base, SPA);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('access-control-allow-origin'), SPA);
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /www-authenticate/i);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
      // Express answers from requireAuth() after optional authentication, Fastify from the plugin.
      assert.match(((await res.json()) as { error: string }).error, /^(AUTH_REQUIRED|TOKEN_MISSING)$/);
    });

    it('puts the headers on the 403 of a user outside the group', async () => {
      const res = await fetch(`${withCors.base}/api/articles`, {
        method: 'POST',
        headers: { origin: SPA, authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'not allowed' }),
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('access-control-allow-origin'), SPA);
      assert.equal(((await res.json()) as { error: string }).error, 'GROUP_REQUIRED');
    });

    it('gives another origin nothing, on the preflight and on answers', async () => {
      const preflight = await fetch(`${withCors.base}/api/articles`, {
        method: 'OPTIONS',
        headers: { origin: OTHER, 'access-control-request-method': 'GET' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      for (const token of [undefined, reader]) {
        const res = await get(withCors.base, OTHER, token);
        assert.equal(res.headers.get('access-control-allow-origin'), null);
      }
    });

    it('answers no CORS at all when no origin is configured (same origin only)', async () => {
      for (const token of [undefined, reader]) {
        const res = await get(without.base, SPA, token);
        assert.equal(res.status, token ? 200 : 401);
        assert.equal(res.headers.get('access-control-allow-origin'), null);
      }
    });
  });
}
