import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { Authenticator } from '../../src/http/types.ts';
import type { Principal } from '../../src/principal/principal.ts';
import { setup } from '../login/harness.ts';
import cognitoDefault, { cognito, cognitoErrorHandler, cognitoRoutes } from '../../src/adapters/fastify.ts';
import {
  APP_ERROR,
  APP_JSON_PATH,
  describePrincipal,
  MAX_BODY_BYTES,
  ROUTE_TABLE,
  runScenarios,
  type ScenarioContext,
} from './scenarios.ts';

async function start(ctx: ScenarioContext) {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES });
  app.setErrorHandler(cognitoErrorHandler);
  await app.register(cognito, {
    authenticators: ctx.authenticators,
    routes: ctx.routes,
    maxBodyBytes: MAX_BODY_BYTES,
  });
  for (const { path, requirements } of ROUTE_TABLE) {
    app.get(path, { config: { auth: requirements } }, async (request) => describePrincipal(request.auth));
  }
  app.get('/app-error', { config: { auth: 'public' } }, async () => {
    throw APP_ERROR();
  });
  app.post(APP_JSON_PATH, { config: { auth: 'public' } }, async (request) => request.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

runScenarios('fastify', start);

test('fastify plugin: tri-style export, named plugin, default mode required, bad config refused at route time', async () => {
  assert.equal(cognitoDefault, cognito);
  const meta = (cognito as unknown as Record<symbol, { name: string; fastify: string }>)[
    Symbol.for('plugin-meta')
  ];
  assert.equal(meta?.name, 'cognito-code-grant');
  assert.equal(meta?.fastify, '5.x');
  const app = Fastify();
  await app.register(cognito, {
    authenticators: [{ kind: 'bearer', authenticate: async () => ({ principal: null, setCookies: [] }) }],
  });
  app.get('/default', async (request) => ({ auth: request.auth }));
  app.get('/open', { config: { auth: 'public' } }, async (request) => ({ auth: request.auth }));
  assert.throws(
    () => app.get('/bad', { config: { auth: { mode: 'optional', groups: ['a'] } } }, async () => ({})),
    (error: unknown) => (error as { code?: string }).code === 'CONFIG_INVALID',
  );
  const refused = await app.inject({ url: '/default' });
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.json().error, 'TOKEN_MISSING');
  assert.equal(refused.headers['www-authenticate'], 'Bearer realm="api"');
  const open = await app.inject({ url: '/open' });
  assert.deepEqual(open.json(), { auth: null });
  await app.close();
});

test('fastify plugin guards routes declared before it loaded; 404s stay 404; bad config fails the request', async () => {
  const app = Fastify();
  app.setErrorHandler(cognitoErrorHandler);
  app.get('/early', async () => ({ ok: true }));
  app.register(cognito, {
    authenticators: [{ kind: 'bearer', authenticate: async () => ({ principal: null, setCookies: [] }) }],
  });
  app.get('/late', async () => ({ ok: true }));
  app.get('/late-bad', { config: { auth: 'sometimes' as never } }, async () => ({ ok: true }));
  for (const url of ['/early', '/late']) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 401, url);
    assert.equal(response.json().error, 'TOKEN_MISSING');
  }
  assert.equal((await app.inject({ url: '/nowhere' })).statusCode, 404);
  const bad = await app.inject({ url: '/late-bad' });
  assert.equal(bad.statusCode, 500);
  assert.equal(bad.json().error, 'CONFIG_INVALID');
  await app.close();
});

test('cognitoErrorHandler: unknown errors become a generic 500, Fastify 4xx errors keep their answer', async () => {
  const app = Fastify();
  app.setErrorHandler(cognitoErrorHandler);
  await app.register(cognito, {
    authenticators: [{ kind: 'bearer', authenticate: async () => ({ principal: null, setCookies: [] }) }],
    defaultMode: 'public',
  });
  app.get('/boom', async () => {
    throw new Error('secret detail');
  });
  app.post('/json', async (request) => request.body);
  const boom = await app.inject({ url: '/boom' });
  assert.equal(boom.statusCode, 500);
  assert.deepEqual(boom.json(), { error: 'INTERNAL_ERROR', message: 'Internal server error' });
  const bad = await app.inject({
    method: 'POST',
    url: '/json',
    headers: { 'content-type': 'application/json' },
    payload: '{',
  });
  assert.equal(bad.statusCode, 400);
  await app.close();
});

test('fastify: routes registered in two cognitoRoutes under one prefix are all served; other paths there are 404', async () => {
  const route = (method: 'GET' | 'POST', path: string) => ({
    method,
    path,
    handle: async () => Response.json({ served: path }),
  });
  const app = Fastify();
  await app.register(cognito, {
    authenticators: [{ kind: 'bearer', authenticate: async () => ({ principal: null, setCookies: [] }) }],
    routes: [route('GET', '/auth/login'), route('GET', '/auth/me')],
  });
  await app.register(cognitoRoutes, { routes: [route('POST', '/auth/cognito-events')] });
  const events = await app.inject({ method: 'POST', url: '/auth/cognito-events', payload: '{}' });
  assert.deepEqual(events.json(), { served: '/auth/cognito-events' });
  const wrong = await app.inject({ url: '/auth/cognito-events' });
  assert.equal(wrong.statusCode, 405);
  assert.equal(wrong.headers['allow'], 'POST');
  const missing = await app.inject({ url: '/auth/nowhere' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error, 'ROUTE_NOT_FOUND');
  await app.close();
});

test("fastify plugin: the form-token hook is left out only for the library's own session authenticator", async () => {
  const hooked = async (authenticator: Authenticator) => {
    const app = Fastify();
    await app.register(cognito, { authenticators: [authenticator] });
    app.get('/x', async () => ({}));
    await app.ready();
    const hooks = app.printRoutes({ includeHooks: true, commonPrefix: false });
    await app.close();
    return hooks.includes('refuseFormToken');
  };
  const none = async () => ({ principal: null, setCookies: [] });
  assert.equal(await hooked({ kind: 'bearer', authenticate: none }), true);
  // A custom one declared `session` might still read the Authorization header.
  assert.equal(await hooked({ kind: 'session', authenticate: none }), true);
  assert.equal(await hooked(setup('cookie').login.authenticator), false);
});

test('fastify plugin: a custom authenticator of kind session that finds a header token is still refused a second one in the form', async () => {
  const headerReader: Authenticator = {
    kind: 'session',
    async authenticate(request) {
      const header = request.header('authorization');
      if (header === undefined) return { principal: null, setCookies: [] };
      return { principal: { sub: 'from-header', source: 'bearer' } as unknown as Principal, setCookies: [] };
    },
  };
  const app = Fastify();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  await app.register(cognito, { authenticators: [headerReader] });
  app.post('/x', async () => ({ ok: true }));
  const post = (payload: string) =>
    app.inject({
      method: 'POST',
      url: '/x',
      headers: { authorization: 'Bearer a.b.c', 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
  const twice = await post('access_token=other');
  assert.equal(twice.statusCode, 400);
  assert.equal(twice.json().error, 'TOKEN_MULTIPLE_METHODS');
  assert.equal((await post('title=hello')).statusCode, 200);
  await app.close();
});
