/** Shared fixtures for the verifier tests: a fake clock, a test pool, a verifier with loaded keys, a JWKS server. */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type PoolConfig, definePool } from '../../../src/config/pool.ts';
import {
  type CognitoVerifier,
  type VerifierOptions,
  createCognitoVerifier,
} from '../../../src/jwt/verifier.ts';
import { type TestPool, createTestPool } from '../../../src/testing/tokens.ts';

export const T0 = 1_700_000_000_000;

export interface Clock {
  t: number;
  now: () => number;
  advance(ms: number): void;
}

export function fakeClock(start = T0): Clock {
  const clock: Clock = {
    t: start,
    now: () => clock.t,
    advance(ms) {
      clock.t += ms;
    },
  };
  return clock;
}

export interface Fixture {
  clock: Clock;
  test: TestPool;
  pool: PoolConfig;
  verifier: CognitoVerifier;
}

// RSA key generation is slow, so fixtures share one test pool per file unless a test asks for a
// fresh one (key rotation). Its clock follows the latest fixture's clock; tests in a file run one
// after the other.
let currentClock = fakeClock();
let shared: TestPool | undefined;

/** A test pool, its PoolConfig and a verifier with the pool's keys loaded (no network). */
export function fixture(
  options: Partial<VerifierOptions> & {
    clientIds?: string[];
    /** A pool of its own (needed to rotate keys). */
    fresh?: boolean;
    poolOptions?: Parameters<typeof createTestPool>[0];
  } = {},
): Fixture {
  const clock = fakeClock();
  currentClock = clock;
  let test: TestPool;
  if (options.fresh || options.poolOptions) {
    test = createTestPool({ now: clock.now, ...options.poolOptions });
  } else {
    shared ??= createTestPool({ now: () => currentClock.now() });
    test = shared;
  }
  const pool = definePool({
    userPoolId: test.userPoolId,
    clientId: options.clientIds ?? [test.clientId],
    issuer: test.issuer,
  });
  const verifier = createCognitoVerifier({
    now: clock.now,
    fetch: () => Promise.reject(new Error('no network in this test')),
    ...options,
    pools: options.pools ?? pool,
  });
  verifier.loadJwks(pool.issuer, test.jwks());
  return { clock, test, pool, verifier };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface JwksServer {
  url: string;
  requests: number;
  handler: Handler;
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1, port 0, whose behaviour the test swaps via `handler`. */
export async function startJwksServer(handler: Handler): Promise<JwksServer> {
  const sockets = new Set<import('node:net').Socket>();
  const state: JwksServer = {
    url: '',
    requests: 0,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    state.requests++;
    state.handler(req, res);
  });
  // Longer than any test runs: otherwise the server may close an idle keep-alive socket just as
  // fetch reuses it (ECONNRESET), a race that has nothing to do with the code under test.
  server.keepAliveTimeout = 120_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

export function serveJson(body: unknown, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}
