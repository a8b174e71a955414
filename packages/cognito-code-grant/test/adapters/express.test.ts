import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import {
  cognitoAuth,
  errorHandler,
  mountRoutes,
  requireAuth,
  requireGroup,
  requireScope,
} from '../../src/adapters/express.ts';
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
  return listen(buildApp(ctx));
}

function buildApp(ctx: ScenarioContext) {
  const app = express();
  // Body parsers registered first on purpose: mounted routes must still get the raw body.
  app.use(express.urlencoded({ extended: false }), express.json({ limit: MAX_BODY_BYTES }));
  mountRoutes(app, ctx.routes, { maxBodyBytes: MAX_BODY_BYTES });
  const { authenticators } = ctx;
  for (const { path, requirements } of ROUTE_TABLE) {
    if (path === '/admin') {
      // The route-helper style: authenticate, then require.
      app.get(path, cognitoAuth({ authenticators, mode: 'optional' }), requireGroup('admins'), (req, res) => {
        res.json(describePrincipal(req.auth));
      });
    } else if (path === '/write') {
      app.get(
        path,
        cognitoAuth({ authenticators, mode: 'optional' }),
        requireScope('articles/write'),
        (req, res) => {
          res.json(describePrincipal(req.auth));
        },
      );
    } else {
      app.get(path, cognitoAuth({ authenticators, ...requirements }), (req, res) => {
        res.json(describePrincipal(req.auth));
      });
    }
  }
  app.get('/app-error', cognitoAuth({ authenticators, mode: 'public' }), () => {
    throw APP_ERROR();
  });
  app.post(APP_JSON_PATH, (req, res) => {
    res.json(req.body);
  });
  app.use(errorHandler());
  return app;
}

async function listen(app: express.Express) {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

runScenarios('express', start);

test('express: app-wide optional auth + requireAuth(); errorHandler passes other errors on', async () => {
  const principal = { sub: 'u1' } as never;
  const app = express();
  app.use(
    cognitoAuth({
      mode: 'optional',
      authenticators: [
        {
          kind: 'bearer',
          authenticate: async (r) => ({
            principal: r.header('authorization') === 'Bearer ok' ? principal : null,
            setCookies: [],
          }),
        },
      ],
    }),
  );
  app.get('/me', requireAuth(), (req, res) => {
    res.json({ sub: req.auth?.sub });
  });
  app.get('/boom', () => {
    throw new Error('secret detail');
  });
  app.use(errorHandler());
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ handledBy: 'app' });
  });
  const server = await listen(app);
  try {
    const anonymous = await fetch(`${server.url}/me`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: string }).error, 'AUTH_REQUIRED');
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="api"');
    const ok = await fetch(`${server.url}/me`, { headers: { authorization: 'Bearer ok' } });
    assert.deepEqual(await ok.json(), { sub: 'u1' });
    const boom = await fetch(`${server.url}/boom`);
    assert.deepEqual(await boom.json(), { handledBy: 'app' });
  } finally {
    await server.close();
  }
});

test('express: routes mounted in two calls under one prefix are all served; other paths there are 404', async () => {
  const route = (method: 'GET' | 'POST', path: string) => ({
    method,
    path,
    handle: async () => Response.json({ served: path }),
  });
  const app = express();
  mountRoutes(app, [route('GET', '/auth/login'), route('GET', '/auth/me')]);
  mountRoutes(app, [route('POST', '/auth/cognito-events')]); // the events route, mounted on its own
  const server = await listen(app);
  try {
    const events = await fetch(`${server.url}/auth/cognito-events`, { method: 'POST', body: '{}' });
    assert.deepEqual(await events.json(), { served: '/auth/cognito-events' });
    const wrong = await fetch(`${server.url}/auth/cognito-events`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    await wrong.arrayBuffer();
    const missing = await fetch(`${server.url}/auth/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'ROUTE_NOT_FOUND');
  } finally {
    await server.close();
  }
});
