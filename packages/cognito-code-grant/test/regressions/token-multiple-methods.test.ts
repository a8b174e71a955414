/**
 * Issue 13, finding 4: a request with `Authorization: Bearer ...` and also `?access_token=` (or
 * an `access_token` form field) was served. RFC 6750 section 3.1: more than one method is
 * `400 invalid_request`. A token in the query or the body alone is still never accepted.
 * Run over real HTTP against every adapter.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { cognitoAuth } from '../../src/adapters/express.ts';
import { cognito } from '../../src/adapters/fastify.ts';
import { nodeRequestLike, sendWebResponse, toWebRequest } from '../../src/adapters/node-request.ts';
import { withAuth } from '../../src/adapters/web.ts';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { createBearerAuthenticator } from '../../src/http/bearer.ts';
import { fixture } from '../unit/jwt/helpers.ts';

// Real time: the apps verify with the real clock.
const f = fixture({ now: Date.now, poolOptions: { now: Date.now } });
const verifier = f.verifier;
const answer = (auth: { sub: string } | null) => ({ sub: auth?.sub ?? null });

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

const apps: Record<string, () => Promise<{ url: string; close(): Promise<void> }>> = {
  async express() {
    const app = express();
    app.use(express.urlencoded({ extended: false }), express.json());
    app.get('/r', cognitoAuth({ verifier }), (req, res) => res.json(answer(req.auth ?? null)));
    app.post('/r', cognitoAuth({ verifier }), (req, res) => res.json(answer(req.auth ?? null)));
    app.get('/o', cognitoAuth({ verifier, mode: 'optional' }), (req, res) =>
      res.json(answer(req.auth ?? null)),
    );
    const server = createServer(app);
    const url = await listen(server);
    return { url, close: closer(server) };
  },
  async fastify() {
    const app = Fastify();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    await app.register(cognito, { verifier });
    app.get('/r', async (request) => answer(request.auth));
    app.post('/r', async (request) => answer(request.auth));
    app.get('/o', { config: { auth: 'optional' } }, async (request) => answer(request.auth));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
  async web() {
    const required = withAuth((_r, auth) => Response.json(answer(auth)), { verifier });
    const optional = withAuth((_r, auth) => Response.json(answer(auth)), { verifier, mode: 'optional' });
    const server = createServer((req, res) => {
      const { request } = toWebRequest(req, req.url ?? '/');
      const handler = new URL(request.url).pathname === '/o' ? optional : required;
      handler(request).then((response) => sendWebResponse(res, response));
    });
    const url = await listen(server);
    return { url, close: closer(server) };
  },
};

const token = f.test.accessToken({ sub: 'header-user' });
const other = f.test.accessToken({ sub: 'query-user' });
const form = 'application/x-www-form-urlencoded';

for (const [name, start] of Object.entries(apps)) {
  describe(`${name}: one token method per request`, () => {
    let app: { url: string; close(): Promise<void> };
    before(async () => {
      app = await start();
    });
    after(() => app.close());

    async function expect400(response: Response) {
      const text = await response.text();
      assert.equal(response.status, 400, text);
      assert.equal(JSON.parse(text).error, 'TOKEN_MULTIPLE_METHODS');
      assert.match(
        response.headers.get('www-authenticate') ?? '',
        /^Bearer realm="api", error="invalid_request"/,
      );
      assert.ok(!text.includes(token.split('.')[1]!));
    }

    test('header + access_token in the query is 400 invalid_request', async () => {
      const headers = { authorization: `Bearer ${token}` };
      await expect400(await fetch(`${app.url}/r?access_token=${other}`, { headers }));
      await expect400(await fetch(`${app.url}/o?page=2&access_token=`, { headers }));
      await expect400(await fetch(`${app.url}/r?access_token=${other}`, { method: 'POST', headers }));
    });

    test('header + access_token form field is 400 invalid_request', async () => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': form };
      await expect400(
        await fetch(`${app.url}/r`, { method: 'POST', headers, body: `a=1&access_token=${other}` }),
      );
    });

    test('the header alone, or with other parameters, is served', async () => {
      const headers = { authorization: `Bearer ${token}` };
      const ok = await fetch(`${app.url}/r?not_access_token=1&x=access_token`, { headers });
      assert.deepEqual(await ok.json(), { sub: 'header-user' });
      const post = await fetch(`${app.url}/r`, {
        method: 'POST',
        headers: { ...headers, 'content-type': form },
        body: 'title=access_token',
      });
      assert.deepEqual(await post.json(), { sub: 'header-user' });
    });

    test('a token only in the query or the form body is still not accepted', async () => {
      const query = await fetch(`${app.url}/r?access_token=${other}`);
      assert.equal(query.status, 401);
      assert.equal(((await query.json()) as { error: string }).error, 'TOKEN_MISSING');
      const optional = await fetch(`${app.url}/o?access_token=${other}`);
      assert.deepEqual(await optional.json(), { sub: null });
      const body = await fetch(`${app.url}/r`, {
        method: 'POST',
        headers: { 'content-type': form },
        body: `access_token=${other}`,
      });
      assert.equal(body.status, 401);
    });
  });
}

test('node-request: the bearer authenticator refuses a header token beside a query token', async () => {
  const bearer = createBearerAuthenticator({ verifier });
  const both = nodeRequestLike('GET', `/r?access_token=${other}`, { authorization: `Bearer ${token}` });
  await assert.rejects(bearer.authenticate(both), (e) => hasErrorCode(e, 'TOKEN_MULTIPLE_METHODS'));
  const queryOnly = nodeRequestLike('GET', `/r?access_token=${other}`, {});
  assert.equal((await bearer.authenticate(queryOnly)).principal, null);
});
