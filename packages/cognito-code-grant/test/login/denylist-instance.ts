/**
 * A second app instance in its own process, for denylist-two-process.test.ts: an API that
 * verifies bearer tokens with the origin deny-list of a Redis store shared with the parent, and
 * authenticates store-mode session cookies on the same store (push invalidation). Told its setup
 * over IPC; reports every deny-list entry and session message it receives by push, and answers
 * verification and authentication requests.
 */
import { Redis } from 'ioredis';
import { definePool } from '../../src/config/pool.ts';
import { createCognitoLogin } from '../../src/http/login/create-login.ts';
import { isCognitoAuthError } from '../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { createOriginDenylist } from '../../src/session/origin-denylist.ts';
import { createRedisSessionStore } from '../../src/store/redis/session-store.ts';

interface Setup {
  readonly url: string;
  readonly prefix: string;
  readonly now: number;
  readonly userPoolId: string;
  readonly clientId: string;
  readonly jwks: unknown;
  readonly domain: string;
  readonly secret: string;
}

const send = (message: unknown) => process.send!(message);

process.once('message', async (setup: Setup) => {
  const now = () => setup.now;
  const redis = new Redis(setup.url);
  const store = createRedisSessionStore(redis, { prefix: setup.prefix, now, push: true });
  const denylist = createOriginDenylist({
    store,
    now,
    onEvent: (e) => {
      if (e.type === 'denied') send({ denied: e.originJti });
    },
  });
  await denylist.ready();
  const pool = definePool({ userPoolId: setup.userPoolId, clientId: setup.clientId, domain: setup.domain });
  const verifier = createCognitoVerifier({ pools: pool, now, denylist });
  verifier.loadJwks(pool.issuer, setup.jwks);
  // Store mode with push: sessions served here are kept in memory until a message names them.
  let reads = 0;
  const counted = store.getMany!.bind(store);
  store.getMany = (...args) => {
    reads++;
    return counted(...args);
  };
  const login = createCognitoLogin({
    pool,
    appUrl: 'https://app.example.test',
    now,
    verifier,
    session: { mode: 'store', store, secrets: [setup.secret], denylist },
  });
  // Subscribed after the login's backend: when this hears a message, the backend has it.
  await store.subscribe!({ session: (idHash) => send({ session: idHash }) });
  process.on('message', async (m: { verify?: string; cookie?: string; stop?: true }) => {
    if (m.stop) {
      await denylist.close();
      await store.closeChannel();
      await redis.quit();
      process.disconnect();
      return;
    }
    if (m.cookie !== undefined) {
      try {
        const cookie = m.cookie;
        const out = await login.authenticator.authenticate({
          method: 'GET',
          url: '/api/x',
          header: (name) => (name === 'cookie' ? cookie : undefined),
        });
        send({ authenticated: out.principal?.sub ?? null, reads });
      } catch (error) {
        send({ authenticated: null, reads, code: isCognitoAuthError(error) ? error.code : 'OTHER' });
      }
      return;
    }
    try {
      const { claims } = await verifier.verify(m.verify!);
      send({ verified: claims.sub });
    } catch (error) {
      send({ refused: isCognitoAuthError(error) ? error.code : 'OTHER' });
    }
  });
  send({ ready: denylist.live });
});
