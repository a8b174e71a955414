/**
 * The store suite on a Redis Cluster client (TEST_REDIS_CLUSTER_URL: any node of the cluster;
 * `.ci/run` starts a one-node cluster). A cluster refuses a command or script whose keys hash to
 * different slots even on one node, so this catches keys that must live together (a session
 * and its lease) but do not.
 */
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { createRedisSessionStore } from '../../src/store/redis/index.ts';
import { runStoreSuite } from './store.suite.ts';

const url = process.env['TEST_REDIS_CLUSTER_URL'];

runStoreSuite(
  'redis cluster',
  {
    async open(now) {
      const { hostname, port } = new URL(url!);
      const cluster = new Cluster([{ host: hostname, port: Number(port) }], {
        lazyConnect: true,
        redisOptions: { maxRetriesPerRequest: 1 },
      });
      await cluster.connect();
      const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
      return {
        store: createRedisSessionStore(cluster, { prefix, now }),
        async close() {
          // KEYS per node; one DEL per key (they live in many slots).
          for (const node of cluster.nodes('master')) {
            for (const k of await node.keys(`${prefix}*`)) await cluster.del(k);
          }
          await cluster.quit();
        },
      };
    },
  },
  url ? undefined : 'TEST_REDIS_CLUSTER_URL not set',
);
