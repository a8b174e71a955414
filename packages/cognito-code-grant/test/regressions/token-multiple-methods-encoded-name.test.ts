/**
 * Review of issue 13 finding 4 (same class, another spelling): `?access%5Ftoken=` is the
 * `access_token` query parameter for every URL parser (URLSearchParams, Express's qs, Fastify's
 * querystring), but the quick scan for the literal name let it through beside a header token,
 * so a component behind the app could still read a second token. Run over real HTTP (Express),
 * on the promise path and on the cached (synchronous) path.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { cognitoAuth } from '../../src/adapters/express.ts';
import { queryHasAccessToken } from '../../src/http/token-methods.ts';
import { fixture } from '../unit/jwt/helpers.ts';

const f = fixture({ now: Date.now, poolOptions: { now: Date.now } });
const token = f.test.accessToken({ sub: 'header-user' });
const other = f.test.accessToken({ sub: 'query-user' });
const server = createServer(
  express().get('/r', cognitoAuth({ verifier: f.verifier }), (req, res) => {
    res.json({ sub: req.auth?.sub ?? null, query: req.query['access_token'] ?? null });
  }),
);
let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('a percent-encoded access_token query name beside a header token is 400 invalid_request', async () => {
  const headers = { authorization: `Bearer ${token}` };
  // Warm the token cache, so the second round takes the synchronous cached path.
  assert.equal((await fetch(`${url}/r`, { headers })).status, 200);
  for (const name of ['access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'access_tok%65n']) {
    const response = await fetch(`${url}/r?${name}=${other}`, { headers });
    const text = await response.text();
    assert.equal(response.status, 400, `${name}: ${text}`);
    assert.equal(JSON.parse(text).error, 'TOKEN_MULTIPLE_METHODS');
  }
});

test('the scan still skips URLs without the name in any spelling', () => {
  assert.equal(queryHasAccessToken('/r?q=a%20b&x=access'), false);
  assert.equal(queryHasAccessToken('/r?access%5Ftoken='), true);
});
