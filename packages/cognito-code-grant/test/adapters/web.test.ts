import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sendWebResponse, toWebRequest } from '../../src/adapters/node-request.ts';
import {
  authenticateRequest,
  errorToResponse,
  readJson,
  routeRequest,
  withAuth,
} from '../../src/adapters/web.ts';
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
  const { authenticators } = ctx;
  const handlers = new Map<string, (request: Request) => Promise<Response>>();
  for (const { path, requirements } of ROUTE_TABLE) {
    handlers.set(
      path,
      withAuth(async (_request, auth) => Response.json(describePrincipal(auth)), {
        authenticators,
        ...requirements,
      }),
    );
  }
  handlers.set(
    '/app-error',
    withAuth(
      async () => {
        throw APP_ERROR();
      },
      { authenticators, mode: 'public' },
    ),
  );
  handlers.set(
    APP_JSON_PATH,
    withAuth(async (request) => Response.json(await readJson(request, { maxBodyBytes: MAX_BODY_BYTES })), {
      authenticators,
      mode: 'public',
    }),
  );
  const server = createServer((req, res) => {
    const serve = async () => {
      const { request } = toWebRequest(req, req.url ?? '/', { maxBodyBytes: MAX_BODY_BYTES });
      const routed = await routeRequest(ctx.routes, request);
      const handler = handlers.get(new URL(request.url).pathname);
      const response =
        routed ?? (handler ? await handler(request) : new Response('not found', { status: 404 }));
      await sendWebResponse(res, response);
    };
    serve().catch((error: unknown) => sendWebResponse(res, errorToResponse(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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

runScenarios('web', start);

test('web: authenticateRequest resolves the principal or rejects; routeRequest 405/null', async () => {
  const principal = { sub: 'x' } as never;
  const authenticators = [
    {
      kind: 'bearer' as const,
      authenticate: async (r: { header(n: string): string | undefined }) => ({
        principal: r.header('authorization') === 'Bearer good' ? principal : null,
        setCookies: [],
      }),
    },
  ];
  const ok = await authenticateRequest(
    new Request('http://x/a', { headers: { authorization: 'Bearer good' } }),
    authenticators,
  );
  assert.equal(ok.principal, principal);
  const anonymous = await authenticateRequest(new Request('http://x/a'), authenticators);
  assert.equal(anonymous.principal, null);
  await assert.rejects(authenticateRequest(new Request('http://x/a'), authenticators, 'required'), {
    code: 'TOKEN_MISSING',
  });
  const routes = [{ method: 'POST' as const, path: '/auth/logout', handle: async () => new Response('bye') }];
  assert.equal(await routeRequest(routes, new Request('http://x/other')), null);
  const wrong = await routeRequest(routes, new Request('http://x/auth/logout'));
  assert.equal(wrong?.status, 405);
  assert.equal(wrong?.headers.get('allow'), 'POST');
});
