/**
 * Server-side failures (status >= 500) reach the operator: every adapter and the login routes
 * call `onServerError` with the error and the request's method and path (never its query), and
 * by default log one line (console.error; Fastify's request.log) with the code and the cause and
 * nothing of the request's credentials. Client errors (4xx) are not reported.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { cognitoAuth, errorHandler } from '../../src/adapters/express.ts';
import { cognito, cognitoErrorHandler } from '../../src/adapters/fastify.ts';
import { routeRequest, withAuth } from '../../src/adapters/web.ts';
import { CognitoAuthError, hasErrorCode } from '../../src/errors/errors.ts';
import { describeServerError, pathOf, type ServerErrorRequest } from '../../src/errors/server-errors.ts';
import type { Authenticator } from '../../src/http/types.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook } from '../../src/trigger/signature.ts';
import { setup } from '../login/harness.ts';

const SECRET_COOKIE = 'sid=very-secret-cookie-value';
const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** An authenticator whose store is down (STORE_FAILED) or that refuses (401), as asked. */
function failing(kind: 'store' | 'refuse'): Authenticator {
  return {
    kind: 'session',
    async authenticate() {
      if (kind === 'refuse')
        throw new CognitoAuthError('TOKEN_SIGNATURE_INVALID', 'token signature is invalid');
      throw new CognitoAuthError('STORE_FAILED', 'The session store failed', { cause });
    },
  };
}

type Seen = Array<{ error: unknown; request: ServerErrorRequest }>;
const recorder = (seen: Seen) => (error: unknown, request: ServerErrorRequest) =>
  seen.push({ error, request });

async function get(url: string): Promise<Response> {
  return fetch(url, { headers: { cookie: SECRET_COOKIE } });
}

const originalConsoleError = console.error;
afterEach(() => {
  console.error = originalConsoleError;
});

describe('onServerError', () => {
  test('describeServerError: code, message and the cause, nothing else; pathOf drops the query', () => {
    const error = new CognitoAuthError('STORE_FAILED', 'The session store failed', { cause });
    assert.equal(
      describeServerError(error),
      'STORE_FAILED: The session store failed (cause: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432)',
    );
    // Not ours: name and code only (a message may quote a URL with its query).
    const foreign = Object.assign(new TypeError('Failed to parse URL from http://x/cb?code=SECRET'), {
      code: 'ERR_INVALID_URL',
    });
    assert.equal(describeServerError(foreign), 'INTERNAL_ERROR: TypeError ERR_INVALID_URL');
    assert.equal(describeServerError('weird'), 'INTERNAL_ERROR: string');
    // Nested causes: their codes (undici's "fetch failed" hides the network code one level down).
    const nested = new CognitoAuthError('TOKEN_EXCHANGE_FAILED', 'token endpoint unreachable', {
      cause: new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      }),
    });
    assert.equal(
      describeServerError(nested),
      'TOKEN_EXCHANGE_FAILED: token endpoint unreachable (cause: fetch failed ENOTFOUND)',
    );
    assert.equal(
      describeServerError(new CognitoAuthError('STORE_FAILED', 'x', { cause: '' })),
      'STORE_FAILED: x',
    );
    assert.equal(pathOf('/auth/callback?code=abc&state=x'), '/auth/callback');
    assert.equal(pathOf('https://app.example.test/auth/callback?code=abc#x'), '/auth/callback');
    assert.equal(pathOf('https://app.example.test'), '/');
    assert.equal(pathOf('http://h?code=a/b'), '/');
    assert.equal(pathOf('HTTPS://h/p?q=1'), '/p');
    assert.equal(pathOf('http://h#/x'), '/');
  });

  test('a listener that throws does not break the answer, and the error still reaches the log', async () => {
    const lines: string[] = [];
    console.error = (...args: unknown[]) => lines.push(args.join(' '));
    const handler = withAuth(async () => new Response('never'), {
      authenticators: [failing('store')],
      onServerError: () => {
        throw new Error('logger down');
      },
    });
    const res = await handler(new Request('https://api.example.test/down'));
    assert.equal(res.status, 500);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /GET \/down: STORE_FAILED/);
  });

  test('Web routeRequest and the cognito-events route report their 500s', async () => {
    const seen: Seen = [];
    const routes = [
      {
        method: 'GET' as const,
        path: '/boom',
        handle: async () => {
          throw new CognitoAuthError('STORE_FAILED', 'replica read failed');
        },
      },
    ];
    const res = await routeRequest(routes, new Request('https://app.example.test/boom?x=1'), {
      onServerError: recorder(seen),
    });
    assert.equal(res?.status, 500);
    assert.deepEqual(seen[0]!.request, { method: 'GET', path: '/boom' });

    const broken = new Proxy({ poolId: 'eu-west-1_Abc123' } as Record<string, unknown>, {
      get: (target, key) =>
        key in target
          ? target[key as string]
          : async () => {
              throw new CognitoAuthError('STORE_FAILED', 'replica write failed', { cause });
            },
    });
    const secret = 'a-webhook-secret-of-32-characters!!';
    const route = createCognitoEventsRoute({
      replica: broken as never,
      secrets: [secret],
      onServerError: recorder(seen),
    });
    const body = JSON.stringify({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userPoolId: 'eu-west-1_Abc123',
      userName: 'u',
      request: { userAttributes: { sub: 'sub-1', email: 'u@example.com' } },
    });
    const headers = signWebhook(secret, body, { eventId: 'evt-1' });
    const answer = await route.handle(
      new Request('https://app.example.test/auth/cognito-events', { method: 'POST', headers, body }),
    );
    assert.equal(answer.status, 500);
    // The message goes to the listener, not to the caller (docs/errors.md).
    assert.deepEqual(await answer.json(), {
      error: 'STORE_FAILED',
      message: 'The request could not be completed',
    });
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1]!.request, { method: 'POST', path: '/auth/cognito-events' });
  });

  test('Express: a store failure is reported once with method and path; a 401 is not', async () => {
    const seen: Seen = [];
    const app = express();
    app.get(
      '/down',
      cognitoAuth({ authenticators: [failing('store')], onServerError: recorder(seen) }),
      () => {},
    );
    app.get(
      '/refused',
      cognitoAuth({ authenticators: [failing('refuse')], onServerError: recorder(seen) }),
      () => {},
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await get(`${base}/down?code=secret-code`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), {
        error: 'STORE_FAILED',
        message: 'The request could not be completed',
      });
      assert.equal((await get(`${base}/refused`)).status, 401);
      assert.equal(seen.length, 1);
      assert.ok(hasErrorCode(seen[0]!.error, 'STORE_FAILED'));
      assert.deepEqual(seen[0]!.request, { method: 'GET', path: '/down' });
    } finally {
      server.close();
    }
  });

  test('Express default: one console.error line with the code and cause, no cookie, no query', async () => {
    const lines: string[] = [];
    console.error = (...args: unknown[]) => lines.push(args.join(' '));
    const app = express();
    app.get('/down', cognitoAuth({ authenticators: [failing('store')] }), () => {});
    app.get('/thrown', (_req, _res, next) =>
      next(new CognitoAuthError('STORE_FAILED', 'replica write failed')),
    );
    app.use(errorHandler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await get(`${base}/down?code=secret-code`)).status, 500);
      assert.equal((await get(`${base}/thrown`)).status, 500);
    } finally {
      server.close();
    }
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^cognito-code-grant: GET \/down: STORE_FAILED: .*ECONNREFUSED/);
    assert.match(lines[1]!, /GET \/thrown: STORE_FAILED: replica write failed/);
    for (const line of lines) assert.doesNotMatch(line, /secret/);
  });

  test('Fastify: reported to onServerError, and by default to request.log', async () => {
    const seen: Seen = [];
    const app = Fastify();
    await app.register(cognito, { authenticators: [failing('store')], onServerError: recorder(seen) });
    app.get('/down', async () => 'never');
    const res = await app.inject({
      method: 'GET',
      url: '/down?code=secret-code',
      headers: { cookie: SECRET_COOKIE },
    });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error, 'STORE_FAILED');
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]!.request, { method: 'GET', path: '/down' });
    await app.close();

    let logged = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const logging = Fastify({ logger: { level: 'error', stream } });
    await logging.register(cognito, { authenticators: [failing('store')] });
    logging.get('/down', async () => 'never');
    await logging.inject({
      method: 'GET',
      url: '/down?code=secret-code',
      headers: { cookie: SECRET_COOKIE },
    });
    await logging.close();
    assert.match(logged, /cognito-code-grant: GET \/down: STORE_FAILED/);
    assert.doesNotMatch(logged, /secret/);
  });

  test('Fastify: with a logger the 500 goes to it only; without any logger it reaches console.error once', async () => {
    const lines: string[] = [];
    console.error = (...args: unknown[]) => lines.push(args.join(' '));
    const plain = Fastify();
    plain.setErrorHandler(cognitoErrorHandler);
    await plain.register(cognito, { authenticators: [failing('store')] });
    plain.get('/down', async () => 'never');
    plain.get('/bug', { config: { auth: 'public' } }, async () => {
      throw new Error('secret detail of a bug');
    });
    assert.equal((await plain.inject({ url: '/down?code=secret-code' })).statusCode, 500);
    assert.equal((await plain.inject({ url: '/bug' })).statusCode, 500);
    await plain.close();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^cognito-code-grant: GET \/down: STORE_FAILED/);
    assert.match(lines[1]!, /^cognito-code-grant: GET \/bug: INTERNAL_ERROR: Error$/);
    for (const line of lines) assert.doesNotMatch(line, /secret/);

    lines.length = 0;
    let logged = '';
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk);
        done();
      },
    });
    const logging = Fastify({ logger: { level: 'error', stream } });
    await logging.register(cognito, { authenticators: [failing('store')] });
    logging.get('/down', async () => 'never');
    await logging.inject({ url: '/down' });
    await logging.close();
    assert.equal(lines.length, 0, 'logged twice');
    assert.equal(logged.match(/STORE_FAILED/g)?.length, 1);
  });

  test('Web: withAuth reports to onServerError', async () => {
    const seen: Seen = [];
    const handler = withAuth(async () => new Response('never'), {
      authenticators: [failing('store')],
      onServerError: recorder(seen),
    });
    const res = await handler(
      new Request('https://api.example.test/down?x=1', { headers: { cookie: SECRET_COOKIE } }),
    );
    assert.equal(res.status, 500);
    assert.deepEqual(seen[0]!.request, { method: 'GET', path: '/down' });
  });

  test('login routes: a token endpoint that cannot be reached is reported (path only); a bad state is not', async () => {
    const seen: Seen = [];
    let down = false;
    // The token endpoint unreachable on demand; everything else (JWKS) from the fake.
    const h: ReturnType<typeof setup> = setup('cookie', {
      onServerError: recorder(seen),
      fetch: (input, init) =>
        down && String(input).includes('/oauth2/token')
          ? Promise.reject(new TypeError('fetch failed'))
          : h.fake.fetch(input, init),
    });
    const start = await h.call('GET', '/auth/login');
    const { code, state } = h.fake.authorize(start.headers.get('location')!, {});
    down = true;
    const res = await h.call('GET', `/auth/callback?code=${code}&state=${encodeURIComponent(state)}`);
    assert.equal(res.status, 502);
    assert.equal(seen.length, 1);
    assert.ok(hasErrorCode(seen[0]!.error, 'TOKEN_EXCHANGE_FAILED'));
    assert.deepEqual(seen[0]!.request, { method: 'GET', path: '/auth/callback' });
    assert.equal((await h.call('GET', '/auth/callback?code=x&state=forged')).status, 400);
    assert.equal(seen.length, 1, 'client errors are not reported');
  });

  test('a listener that is not a function is a configuration error', () => {
    assert.throws(
      () => cognitoAuth({ authenticators: [failing('store')], onServerError: 'log' as never }),
      (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
    );
    assert.throws(
      () => setup('cookie', { onServerError: 42 as never }),
      (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
    );
  });
});
