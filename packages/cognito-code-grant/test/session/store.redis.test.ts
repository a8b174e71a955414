import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisSessionStore } from '../../src/store/redis/index.ts';
import { runStoreSuite } from './store.suite.ts';

const url = process.env['TEST_REDIS_URL'];

// Each run uses its own key prefix and deletes its keys at the end.
runStoreSuite(
  'redis',
  {
    async open(now) {
      const redis = new Redis(url!, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
      return {
        store: createRedisSessionStore(redis, { prefix, now }),
        async close() {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length > 0) await redis.del(...keys);
          await redis.quit();
        },
      };
    },
  },
  url ? undefined : 'TEST_REDIS_URL not set',
);
