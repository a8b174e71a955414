/**
 * A push channel whose connection goes silent without closing (a partition: a half-open TCP
 * connection nothing tears down) is reported down by its heartbeat, and comes back up once the
 * network heals. Redis and PostgreSQL, each through the fault proxy; the test waits for the
 * channel's own events, never for a time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { PushListener } from '../../src/session/push.ts';
import { pgChannel } from '../../src/store/kysely/pg-channel.ts';
import { PushHub } from '../../src/session/push.ts';
import { createRedisSessionStore } from '../../src/store/redis/session-store.ts';
import { startFaultProxy } from './proxy.ts';

const redisUrl = process.env['TEST_REDIS_URL'];
const pgUrl = process.env['TEST_POSTGRES_URL'];

/** A listener whose `down` and `up` can be awaited. */
function watcher() {
  let onDown: (() => void) | undefined;
  let onUp: (() => void) | undefined;
  const listener: PushListener = {
    down: () => onDown?.(),
    up: () => onUp?.(),
  };
  return {
    listener,
    down: () => new Promise<void>((resolve) => (onDown = resolve)),
    up: () => new Promise<void>((resolve) => (onUp = resolve)),
  };
}

test('redis: a silent subscriber connection is reported down by the heartbeat, up after healing', {
  skip: redisUrl ? false : 'TEST_REDIS_URL not set',
  // A safeguard only (without the heartbeat nothing would ever report the silent connection).
  timeout: 60_000,
}, async () => {
  const target = new URL(redisUrl!);
  const proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const redis = new Redis(proxy.url(redisUrl!), { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const store = createRedisSessionStore(redis, {
    prefix: `ccgtest:${randomBytes(4).toString('hex')}:`,
    push: true,
    heartbeatMs: 100,
    commandTimeoutMs: 0,
    onConnectionError: () => {},
  });
  try {
    const w = watcher();
    const sub = await store.subscribe!(w.listener);
    assert.equal(sub.live, true);
    const down = w.down();
    proxy.blackhole();
    await down;
    assert.equal(sub.live, false);
    const up = w.up();
    await proxy.heal();
    await up;
    assert.equal(sub.live, true);
  } finally {
    await store.closeChannel();
    redis.disconnect();
    await proxy.close();
  }
});

test('postgres: a silent LISTEN connection is reported down by the heartbeat, up after healing', {
  skip: pgUrl ? false : 'TEST_POSTGRES_URL not set',
  timeout: 60_000,
}, async () => {
  const target = new URL(pgUrl!);
  const proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const clients: pg.Client[] = [];
  const hub = new PushHub(() =>
    pgChannel('ccg_push_fault_events', {
      heartbeatMs: 100,
      connect: async () => {
        const client = new pg.Client({ connectionString: proxy.url(pgUrl!) });
        clients.push(client);
        await client.connect();
        return client;
      },
    }),
  );
  try {
    const w = watcher();
    const sub = await hub.subscribe(w.listener);
    assert.equal(sub.live, true);
    const down = w.down();
    proxy.blackhole();
    await down;
    const up = w.up();
    await proxy.heal();
    await up;
    assert.equal(sub.live, true);
  } finally {
    await hub.close();
    for (const c of clients)
      (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    await proxy.close();
  }
});
