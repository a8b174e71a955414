/**
 * One HTTP scenario suite, run over real HTTP against each adapter (express, fastify, web).
 * Each adapter test builds the same app from `ScenarioContext` (see ROUTE_TABLE) and calls
 * `runScenarios`. The verifier is the real one, fetching keys from a loopback JWKS server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { definePool } from '../../src/config/pool.ts';
import { CognitoAuthError } from '../../src/errors/errors.ts';
import { createBearerAuthenticator } from '../../src/http/bearer.ts';
import type { RouteRequirements } from '../../src/http/guards.ts';
import type { Authenticator, RouteHandler } from '../../src/http/types.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import type { Principal } from '../../src/principal/principal.ts';
import { createTestPool, type TestPool } from '../../src/testing/tokens.ts';

/** The routes every adapter app serves, with what each one requires. */
export const ROUTE_TABLE: ReadonlyArray<{ path: string; requirements: RouteRequirements }> = [
  { path: '/public', requirements: { mode: 'public' } },
  { path: '/optional', requirements: { mode: 'optional' } },
  { path: '/required', requirements: { mode: 'required' } },
  { path: '/id-only', requirements: { mode: 'required', tokenUse: 'id' } },
  { path: '/admin', requirements: { groups: ['admins'] } },
  { path: '/write', requirements: { scopes: ['articles/write'] } },
];

/** Every app also serves GET /app-error (public), whose handler throws this error. */
export const APP_ERROR = () => new CognitoAuthError('USER_DISABLED', 'This user is disabled');
/** Every app mounts `routes` with this body cap. */
export const MAX_BODY_BYTES = 1024;
/**
 * Every app also serves POST /app-json (public): it parses a JSON body with the framework's own
 * parser, limited to MAX_BODY_BYTES, and echoes it.
 */
export const APP_JSON_PATH = '/app-json';
export const MAX_HEADER_BYTES = 8192;

/** What a route answers: the principal, reduced. */
export function describePrincipal(principal: Principal | null | undefined) {
  if (principal === null || principal === undefined) return { auth: null };
  const { sub, tokenUse, isMachine, groups, scopes, source } = principal;
  return { auth: { sub, tokenUse, isMachine, groups, scopes, source } };
}

export interface ScenarioContext {
  /** [session (cookie `sid=valid`), bearer]: both kinds, in the order an app would use. */
  readonly authenticators: readonly Authenticator[];
  /** POST /auth/echo (echoes the body, sets two cookies), GET /auth/redirect (302 + cookie). */
  readonly routes: readonly RouteHandler[];
  readonly pool: TestPool;
  /** A pool whose issuer is not configured. */
  readonly otherPool: TestPool;
  readonly jwksRequests: () => number;
}

export interface ScenarioServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Fake session authenticator: accepts cookie `sid=valid` and "refreshes" it with two Set-Cookies. */
function sessionAuthenticator(pool: TestPool): Authenticator {
  const principal: Principal = Object.freeze({
    sub: 'session-user',
    username: 'sessionuser',
    email: undefined,
    emailVerified: undefined,
    groups: Object.freeze([]),
    scopes: Object.freeze([]),
    tokenUse: 'id',
    clientId: pool.clientId,
    isMachine: false,
    issuer: pool.issuer,
    userPoolId: pool.userPoolId,
    expiresAt: 4102444800,
    source: 'session',
    claims: Object.freeze({}) as Principal['claims'],
  });
  return {
    kind: 'session',
    async authenticate(request) {
      const cookie = request.header('cookie') ?? '';
      if (!/(?:^|;\s*)sid=valid(?:;|$)/.test(cookie)) return { principal: null, setCookies: [] };
      return { principal, setCookies: ['sid=valid; Path=/; HttpOnly', 'sid_seen=1; Path=/'] };
    },
  };
}

function coreRoutes(): RouteHandler[] {
  return [
    {
      method: 'POST',
      path: '/auth/echo',
      async handle(request) {
        const body = await request.text();
        const headers = new Headers({ 'content-type': 'application/json' });
        headers.append('set-cookie', 'a=1; Path=/; HttpOnly');
        headers.append('set-cookie', 'b=2; Path=/; Secure');
        const type = request.headers.get('content-type');
        const url = new URL(request.url);
        return new Response(JSON.stringify({ body, type, path: url.pathname, query: url.search }), {
          headers,
        });
      },
    },
    {
      method: 'GET',
      path: '/auth/redirect',
      async handle() {
        const response = Response.redirect('http://localhost/after', 302);
        return response;
      },
    },
  ];
}

/** Starts the JWKS server and the verifier; `close` stops the server. */
export async function createScenarioContext(): Promise<ScenarioContext & { close(): Promise<void> }> {
  let requests = 0;
  let pool: TestPool | undefined;
  const server: Server = createServer((_req, res) => {
    requests++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(pool!.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const userPoolId = 'eu-west-1_TestPool1';
  pool = createTestPool({ userPoolId, issuer: `http://127.0.0.1:${port}/${userPoolId}` });
  const otherPool = createTestPool({
    userPoolId: 'eu-west-1_OtherPool9',
    issuer: `http://127.0.0.1:9/eu-west-1_OtherPool9`,
  });
  const verifier = createCognitoVerifier({
    pools: definePool({ userPoolId, clientId: pool.clientId, issuer: pool.issuer }),
  });
  const bearer = createBearerAuthenticator({ verifier, maxHeaderBytes: MAX_HEADER_BYTES });
  return {
    authenticators: [sessionAuthenticator(pool), bearer],
    routes: coreRoutes(),
    pool,
    otherPool,
    jwksRequests: () => requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Env {
  readonly url: string;
  readonly ctx: ScenarioContext;
}

export interface Scenario {
  readonly name: string;
  run(env: Env): Promise<void>;
}

async function get(env: Env, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(env.url + path, { headers, redirect: 'manual' });
  const text = await response.text();
  return { response, text, json: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectRefusal(
  env: Env,
  path: string,
  headers: Record<string, string>,
  status: number,
  code: string,
  challenge: string | RegExp | null,
) {
  const { response, json, text } = await get(env, path, headers);
  assert.equal(response.status, status, text);
  assert.equal(json?.['error'], code);
  assert.deepEqual(Object.keys(json ?? {}).sort(), ['error', 'message']);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const header = response.headers.get('www-authenticate');
  if (challenge === null) assert.equal(header, null);
  else if (typeof challenge === 'string') assert.equal(header, challenge);
  else assert.match(header ?? '', challenge);
  // Nothing from the credentials is echoed back.
  const sent = headers['authorization']?.replace(/^bearer\s+/i, '') ?? '';
  for (const part of sent.split('.').filter((p) => p.length >= 8)) {
    assert.ok(!text.includes(part), 'body echoes the token');
    assert.ok(!(header ?? '').includes(part), 'header echoes the token');
  }
  return { response, json };
}

const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/;
const BARE = 'Bearer realm="api"';

export const scenarios: readonly Scenario[] = [
  {
    name: 'public route answers without credentials and ignores a bad header',
    async run(env) {
      assert.deepEqual((await get(env, '/public')).json, { auth: null });
      const bad = await get(env, '/public', { authorization: 'Bearer not a token' });
      assert.equal(bad.response.status, 200);
      assert.deepEqual(bad.json, { auth: null });
    },
  },
  {
    name: 'optional auth without a token: 200, no principal',
    async run(env) {
      const { response, json } = await get(env, '/optional');
      assert.equal(response.status, 200);
      assert.deepEqual(json, { auth: null });
    },
  },
  {
    name: 'optional auth with a valid token: the principal',
    async run(env) {
      const { response, json } = await get(
        env,
        '/optional',
        bearer(env.ctx.pool.accessToken({ sub: 'user-1' })),
      );
      assert.equal(response.status, 200);
      assert.equal(json?.['auth']?.sub, 'user-1');
      assert.equal(json?.['auth']?.source, 'bearer');
    },
  },
  {
    name: 'optional auth with a bad token is refused, not treated as anonymous',
    async run(env) {
      const expired = env.ctx.pool.accessToken({}, { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } });
      await expectRefusal(env, '/optional', bearer(expired), 401, 'TOKEN_EXPIRED', INVALID_TOKEN);
    },
  },
  {
    name: 'required auth, no token: 401 AUTH_REQUIRED with a bare Bearer challenge',
    async run(env) {
      await expectRefusal(env, '/required', {}, 401, 'AUTH_REQUIRED', BARE);
    },
  },
  {
    name: 'required auth, another scheme (Basic) counts as no bearer credentials',
    async run(env) {
      await expectRefusal(
        env,
        '/required',
        { authorization: 'Basic dXNlcjpwYXNz' },
        401,
        'AUTH_REQUIRED',
        BARE,
      );
    },
  },
  {
    name: 'required auth with a valid token, scheme in any case: 200',
    async run(env) {
      const token = env.ctx.pool.accessToken({ sub: 'user-2' });
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const { response, json } = await get(env, '/required', { authorization: `${scheme} ${token}` });
        assert.equal(response.status, 200);
        assert.equal(json?.['auth']?.sub, 'user-2');
      }
    },
  },
  {
    name: 'malformed Bearer headers: 401 TOKEN_MALFORMED, invalid_token',
    async run(env) {
      const token = env.ctx.pool.accessToken();
      for (const value of [
        'Bearer',
        'Bearer ',
        `Bearer ${token} ${token}`,
        'Bearer abc$def',
        `Bearer\t${token}`,
      ]) {
        await expectRefusal(
          env,
          '/required',
          { authorization: value },
          401,
          'TOKEN_MALFORMED',
          INVALID_TOKEN,
        );
      }
      // A b64token that is not a JWT reaches the verifier and is refused there.
      await expectRefusal(env, '/required', bearer('abc~def'), 401, 'TOKEN_MALFORMED', INVALID_TOKEN);
    },
  },
  {
    name: 'expired token: 401 TOKEN_EXPIRED',
    async run(env) {
      const token = env.ctx.pool.accessToken({}, { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } });
      await expectRefusal(env, '/required', bearer(token), 401, 'TOKEN_EXPIRED', INVALID_TOKEN);
    },
  },
  {
    name: 'token from another pool (wrong issuer): 401 TOKEN_ISSUER_INVALID, its keys never fetched',
    async run(env) {
      const before = env.ctx.jwksRequests();
      await expectRefusal(
        env,
        '/required',
        bearer(env.ctx.otherPool.accessToken()),
        401,
        'TOKEN_ISSUER_INVALID',
        INVALID_TOKEN,
      );
      assert.equal(env.ctx.jwksRequests(), before);
    },
  },
  {
    name: 'tampered signature: 401 TOKEN_SIGNATURE_INVALID',
    async run(env) {
      const [h, p] = env.ctx.pool.accessToken().split('.');
      const forged = env.ctx.pool.accessToken({ sub: 'someone-else' }).split('.')[2];
      await expectRefusal(
        env,
        '/required',
        bearer(`${h}.${p}.${forged}`),
        401,
        'TOKEN_SIGNATURE_INVALID',
        INVALID_TOKEN,
      );
    },
  },
  {
    name: 'ID token on an access-token route: 401 TOKEN_USE_INVALID',
    async run(env) {
      await expectRefusal(
        env,
        '/required',
        bearer(env.ctx.pool.idToken()),
        401,
        'TOKEN_USE_INVALID',
        INVALID_TOKEN,
      );
    },
  },
  {
    name: 'ID token on an access-token route: the message says how to accept ID tokens',
    async run(env) {
      const { json } = await expectRefusal(
        env,
        '/required',
        bearer(env.ctx.pool.idToken()),
        401,
        'TOKEN_USE_INVALID',
        INVALID_TOKEN,
      );
      assert.match(String(json?.['message']), /ID token.*access token.*tokenUse: 'id' or 'any'/);
    },
  },
  {
    name: 'a raw JWT in Authorization (no Bearer scheme): 401 TOKEN_MALFORMED naming the scheme',
    async run(env) {
      for (const path of ['/required', '/optional']) {
        const { json } = await expectRefusal(
          env,
          path,
          { authorization: env.ctx.pool.idToken() },
          401,
          'TOKEN_MALFORMED',
          INVALID_TOKEN,
        );
        assert.match(String(json?.['message']), /no scheme.*Bearer <token>/);
      }
      // Other schemes are still someone else's credentials, not ours.
      assert.deepEqual((await get(env, '/optional', { authorization: 'Basic dXNlcjpwYXNz' })).json, {
        auth: null,
      });
    },
  },
  {
    name: 'route opted in to ID tokens: ID token 200, access token 401',
    async run(env) {
      const { response, json } = await get(env, '/id-only', bearer(env.ctx.pool.idToken({ sub: 'user-id' })));
      assert.equal(response.status, 200);
      assert.equal(json?.['auth']?.tokenUse, 'id');
      assert.equal(json?.['auth']?.sub, 'user-id');
      await expectRefusal(
        env,
        '/id-only',
        bearer(env.ctx.pool.accessToken()),
        401,
        'TOKEN_USE_INVALID',
        INVALID_TOKEN,
      );
    },
  },
  {
    name: 'group required: anonymous 401, not a member 403 without challenge, member 200',
    async run(env) {
      await expectRefusal(env, '/admin', {}, 401, 'AUTH_REQUIRED', BARE);
      const staff = env.ctx.pool.accessToken({ groups: ['staff', 'Admins'] });
      await expectRefusal(env, '/admin', bearer(staff), 403, 'GROUP_REQUIRED', null);
      const admin = env.ctx.pool.accessToken({ groups: ['staff', 'admins'] });
      const { response, json } = await get(env, '/admin', bearer(admin));
      assert.equal(response.status, 200);
      assert.deepEqual(json?.['auth']?.groups, ['staff', 'admins']);
    },
  },
  {
    name: 'scope required: 403 insufficient_scope naming the scope, then 200 with it',
    async run(env) {
      const reader = env.ctx.pool.accessToken({}, { scope: 'openid articles/read' });
      await expectRefusal(
        env,
        '/write',
        bearer(reader),
        403,
        'SCOPE_REQUIRED',
        /^Bearer realm="api", error="insufficient_scope", error_description="[^"]+", scope="articles\/write"$/,
      );
      const writer = env.ctx.pool.accessToken({}, { scope: 'openid articles/read articles/write' });
      const { response } = await get(env, '/write', bearer(writer));
      assert.equal(response.status, 200);
    },
  },
  {
    name: 'machine (client-credentials) token: principal marked as machine',
    async run(env) {
      const token = env.ctx.pool.clientCredentialsToken({ scope: 'articles/write' });
      const { response, json } = await get(env, '/write', bearer(token));
      assert.equal(response.status, 200);
      assert.equal(json?.['auth']?.isMachine, true);
      assert.equal(json?.['auth']?.sub, env.ctx.pool.clientId);
    },
  },
  {
    name: 'error body is { error, message } and never carries token text',
    async run(env) {
      const token = env.ctx.pool.accessToken({}, { claims: { iss: 'https://evil.example/"quoted"' } });
      const { json } = await expectRefusal(
        env,
        '/required',
        bearer(token),
        401,
        'TOKEN_ISSUER_INVALID',
        INVALID_TOKEN,
      );
      assert.equal(typeof json?.['message'], 'string');
    },
  },
  {
    name: 'oversized Authorization header: 401 TOKEN_TOO_LARGE',
    async run(env) {
      const huge = `Bearer ${'a'.repeat(MAX_HEADER_BYTES + 10)}`;
      await expectRefusal(env, '/required', { authorization: huge }, 401, 'TOKEN_TOO_LARGE', INVALID_TOKEN);
    },
  },
  {
    name: 'token in the query string is ignored: 401',
    async run(env) {
      const token = env.ctx.pool.accessToken();
      await expectRefusal(env, `/required?access_token=${token}`, {}, 401, 'AUTH_REQUIRED', BARE);
      await expectRefusal(
        env,
        `/required?token=${token}&authorization=Bearer%20${token}`,
        {},
        401,
        'AUTH_REQUIRED',
        BARE,
      );
    },
  },
  {
    name: 'session authenticator: principal from the cookie, its Set-Cookie values all sent',
    async run(env) {
      const { response, json } = await get(env, '/required', { cookie: 'other=1; sid=valid' });
      assert.equal(response.status, 200);
      assert.equal(json?.['auth']?.source, 'session');
      assert.deepEqual(response.headers.getSetCookie(), [
        'sid=valid; Path=/; HttpOnly',
        'sid_seen=1; Path=/',
      ]);
    },
  },
  {
    name: 'CognitoAuthError thrown by an app route: documented status and body',
    async run(env) {
      await expectRefusal(env, '/app-error', {}, 403, 'USER_DISABLED', null);
    },
  },
  {
    name: 'mounted route: form and JSON bodies reach the handler raw; both Set-Cookies kept',
    async run(env) {
      const form = await fetch(`${env.url}/auth/echo?x=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'state=abc&code=xyz',
      });
      assert.equal(form.status, 200);
      const echoed = (await form.json()) as Record<string, unknown>;
      assert.equal(echoed['body'], 'state=abc&code=xyz');
      assert.equal(echoed['path'], '/auth/echo');
      assert.equal(echoed['query'], '?x=1');
      assert.deepEqual(form.headers.getSetCookie(), ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']);
      const json = await fetch(`${env.url}/auth/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      assert.equal(json.status, 200);
      assert.deepEqual(JSON.parse(((await json.json()) as Record<string, string>)['body']!), { a: 1 });
    },
  },
  {
    name: 'mounted route: body over the cap is refused with 413 REQUEST_TOO_LARGE',
    async run(env) {
      const response = await fetch(`${env.url}/auth/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `state=${'x'.repeat(MAX_BODY_BYTES * 2)}`,
      });
      assert.equal(response.status, 413);
      const json = (await response.json()) as Record<string, string>;
      assert.equal(json['error'], 'REQUEST_TOO_LARGE');
      assert.match(json['message']!, new RegExp(`limit of ${MAX_BODY_BYTES} bytes`));
    },
  },
  {
    name: 'mounted route: a chunked body (no Content-Length) over the cap is refused with 413',
    async run(env) {
      const chunk = new TextEncoder().encode('x'.repeat(256));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < (MAX_BODY_BYTES * 4) / 256) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const response = await fetch(`${env.url}/auth/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      assert.equal(response.status, 413);
      assert.equal(((await response.json()) as Record<string, string>)['error'], 'REQUEST_TOO_LARGE');
    },
  },
  {
    name: "mounted routes: an unknown path under their prefix is 404 ROUTE_NOT_FOUND in the library's shape",
    async run(env) {
      for (const [method, path] of [
        ['GET', '/auth/nowhere'],
        ['POST', '/auth/deeper/still'],
      ] as const) {
        const response = await fetch(`${env.url}${path}?code=secret`, { method, redirect: 'manual' });
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        const json = (await response.json()) as Record<string, string>;
        assert.deepEqual(Object.keys(json).sort(), ['error', 'message']);
        assert.equal(json['error'], 'ROUTE_NOT_FOUND');
        assert.ok(json['message']!.includes(path) && !json['message']!.includes('secret'));
      }
      // Outside the prefix the app decides (every test app answers 404 its own way).
      const outside = await fetch(`${env.url}/elsewhere`);
      assert.equal(outside.status, 404);
      await outside.arrayBuffer();
    },
  },
  {
    name: 'mounted routes: a wrong method is 405 METHOD_NOT_ALLOWED with Allow',
    async run(env) {
      for (const [method, path, allow] of [
        ['GET', '/auth/echo', 'POST'],
        ['PUT', '/auth/echo', 'POST'],
        ['POST', '/auth/redirect', 'GET'],
        ['DELETE', '/auth/redirect', 'GET'],
      ] as const) {
        const response = await fetch(`${env.url}${path}`, { method, redirect: 'manual' });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get('allow'), allow);
        const json = (await response.json()) as Record<string, string>;
        assert.equal(json['error'], 'METHOD_NOT_ALLOWED');
        assert.match(json['message']!, new RegExp(`use ${allow}`));
      }
    },
  },
  {
    name: "app route: a JSON body over the parser's limit is 413 REQUEST_TOO_LARGE naming the limit",
    async run(env) {
      const ok = await fetch(`${env.url}${APP_JSON_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { a: 1 });
      const response = await fetch(`${env.url}${APP_JSON_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES * 2) }),
      });
      assert.equal(response.status, 413);
      const json = (await response.json()) as Record<string, string>;
      assert.deepEqual(json, {
        error: 'REQUEST_TOO_LARGE',
        message: `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes`,
      });
    },
  },
  {
    name: 'app route: malformed JSON is 400 BAD_REQUEST saying so',
    async run(env) {
      const response = await fetch(`${env.url}${APP_JSON_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":',
      });
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), {
        error: 'BAD_REQUEST',
        message: 'The request body is not valid JSON',
      });
    },
  },
  {
    name: 'mounted route: redirect Response passed through',
    async run(env) {
      const response = await fetch(`${env.url}/auth/redirect`, { redirect: 'manual' });
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), 'http://localhost/after');
      await response.arrayBuffer();
    },
  },
];

/** Registers every scenario as a node:test test against the server `start` builds. */
export function runScenarios(
  adapter: string,
  start: (ctx: ScenarioContext) => Promise<ScenarioServer>,
): void {
  describe(`${adapter} adapter scenarios`, () => {
    let ctx: Awaited<ReturnType<typeof createScenarioContext>>;
    let server: ScenarioServer;
    before(async () => {
      ctx = await createScenarioContext();
      server = await start(ctx);
    });
    after(async () => {
      await server?.close();
      await ctx?.close();
    });
    for (const scenario of scenarios) {
      test(scenario.name, () => scenario.run({ url: server.url, ctx }));
    }
  });
}
