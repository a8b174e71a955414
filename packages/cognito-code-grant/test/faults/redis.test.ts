/**
 * Redis faults under the session store (issue 18): a TCP proxy the test controls between an
 * ioredis client (created with ioredis's defaults, as an app would) and Redis, or a one-node
 * Redis Cluster. A partition or a refused server costs a bounded STORE_FAILED, the outage is
 * reported once, and the store works again when Redis is back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import type { SessionStore } from '../../src/session/store.ts';
import { createRedisSessionStore } from '../../src/store/redis/index.ts';
import { eventually } from './database.faults.ts';
import { type FaultProxy, startFaultProxy, targetOf } from './proxy.ts';

const isStoreFailed = (error: unknown) => (error as { code?: unknown }).code === 'STORE_FAILED';
const record = () => ({ data: '{"a":1}', userSub: 'u1', expiresAt: Date.now() + 3_600_000 });

interface Client {
  readonly redis: Redis | Cluster;
  close(): Promise<void>;
}

function redisFaults(name: string, url: string | undefined, connect: (proxy: FaultProxy) => Client): void {
  describe(`faults: ${name}`, { skip: url ? false : 'TEST_*_URL not set', timeout: 30_000 }, () => {
    let proxy: FaultProxy;
    let client: Client;
    let store: SessionStore;
    const errors: Error[] = [];

    before(async () => {
      proxy = await startFaultProxy(targetOf(url as string));
      client = connect(proxy);
      // Connected before any fault, so a slow first connect (a loaded machine) is not mistaken
      // for one.
      await eventually(() => client.redis.status === 'ready', 'the client is connected');
      store = createRedisSessionStore(client.redis, {
        prefix: `ccgfault:${randomBytes(4).toString('hex')}:`,
        commandTimeoutMs: 1000,
        onConnectionError: (error) => errors.push(error),
      });
    });
    after(async () => {
      await proxy?.heal();
      await client?.close();
      await proxy?.close();
    });

    test('a partition costs STORE_FAILED within the deadline; calls work again after it heals', async () => {
      await store.set('p1', record());
      proxy.blackhole();
      await assert.rejects(store.get('p1'), (error: unknown) => {
        assert.ok(isStoreFailed(error));
        assert.match((error as Error).message, /timed out after 1000 ms/);
        return true;
      });
      await proxy.heal();
      assert.equal((await store.get('p1'))?.userSub, 'u1');
    });

    test('a refused Redis fails calls within the deadline, is reported once, and recovers', async () => {
      await store.set('r1', record());
      let reconnects = 0;
      const onReconnecting = () => reconnects++;
      client.redis.on('reconnecting', onReconnecting);
      errors.length = 0;
      await proxy.refuse();
      await assert.rejects(store.get('r1'), isStoreFailed);
      // Several reconnect attempts, each an 'error' from ioredis: told once.
      await eventually(() => reconnects >= 3, 'ioredis retried three times');
      assert.equal(errors.length, 1);
      // (A call that timed out may still run once Redis is back: this one changes nothing visible.)
      await assert.rejects(store.touch('r1', Date.now() + 3_600_000), isStoreFailed);
      await proxy.heal();
      await eventually(() => client.redis.status === 'ready', 'the client is back');
      client.redis.off('reconnecting', onReconnecting);
      assert.equal((await store.get('r1'))?.userSub, 'u1');
      assert.equal(errors.length, 1);
    });

    test('a reset is reported once and does not lose the store', async () => {
      await store.set('x1', record());
      errors.length = 0;
      const pending = store.get('x1');
      proxy.reset();
      // ioredis resends an unanswered command after reconnecting: either answer is bounded.
      await pending.then(
        (r) => assert.equal(r?.userSub, 'u1'),
        (error: unknown) => assert.ok(isStoreFailed(error)),
      );
      await eventually(
        () => errors.length > 0 && client.redis.status === 'ready',
        'reported and reconnected',
      );
      assert.equal((await store.get('x1'))?.userSub, 'u1');
      assert.equal(errors.length, 1);
    });
  });
}

redisFaults('redis', process.env['TEST_REDIS_URL'], (proxy) => {
  const redis = new Redis(proxy.port, '127.0.0.1');
  return { redis, close: async () => void redis.disconnect() };
});

const clusterUrl = process.env['TEST_REDIS_CLUSTER_URL'];
redisFaults('redis cluster', clusterUrl, (proxy) => {
  const node = clusterUrl ? targetOf(clusterUrl) : { host: '127.0.0.1', port: 0 };
  // The node announces its real address; natMap sends the client through the proxy instead.
  const redis = new Cluster([{ host: '127.0.0.1', port: proxy.port }], {
    natMap: { [`${node.host}:${node.port}`]: { host: '127.0.0.1', port: proxy.port } },
  });
  return { redis, close: async () => void redis.disconnect() };
});
