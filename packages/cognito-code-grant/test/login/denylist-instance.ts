/**
 * A second app instance in its own process, for denylist-two-process.test.ts: an API that
 * verifies bearer tokens with the origin deny-list of a Redis store shared with the parent.
 * Told its setup over IPC; reports every deny-list entry it receives by push, and answers
 * verification requests.
 */
import { Redis } from 'ioredis';
import { definePool } from '../../src/config/pool.ts';
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
  const pool = definePool({ userPoolId: setup.userPoolId, clientId: setup.clientId });
  const verifier = createCognitoVerifier({ pools: pool, now, denylist });
  verifier.loadJwks(pool.issuer, setup.jwks);
  process.on('message', async (m: { verify?: string; stop?: true }) => {
    if (m.stop) {
      await denylist.close();
      await store.closeChannel();
      await redis.quit();
      process.disconnect();
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
