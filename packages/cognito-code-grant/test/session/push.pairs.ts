/** Pairs of stores on one backend (two connections, like two app processes) for push.suite.ts. */
import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { type Kysely, Migrator } from 'kysely';
import { sessionMigrations } from '../../src/store/kysely/migrations/sessions.ts';
import { type SqlSessionStoreOptions, createSqlSessionStore } from '../../src/store/kysely/session-store.ts';
import { createRedisSessionStore } from '../../src/store/redis/session-store.ts';
import type { PairBackend } from './push.suite.ts';

/** Two Kysely instances on one database, the session migrations run on a random prefix. */
export function sqlPair(
  open: () => Promise<{ dbs: [Kysely<any>, Kysely<any>]; close(): Promise<void> }>,
  optionsOfB: (prefix: string) => Partial<SqlSessionStoreOptions> = () => ({}),
): PairBackend {
  return {
    async openPair(now) {
      const { dbs, close } = await open();
      const prefix = `t${randomBytes(4).toString('hex')}_`;
      const result = await new Migrator({
        db: dbs[0],
        provider: { getMigrations: async () => sessionMigrations(prefix) },
        migrationTableName: `${prefix}migrations`,
        migrationLockTableName: `${prefix}migrations_lock`,
      }).migrateToLatest();
      if (result.error) throw result.error;
      const a = createSqlSessionStore(dbs[0], { tablePrefix: prefix, now, pollIntervalMs: 20 });
      const b = createSqlSessionStore(dbs[1], {
        tablePrefix: prefix,
        now,
        pollIntervalMs: 20,
        ...optionsOfB(prefix),
      });
      return {
        a,
        b,
        async close() {
          await a.closeChannel();
          await b.closeChannel();
          await close();
        },
      };
    },
  };
}

/** The connection of `client` named `ccg-push:<channel>` is killed (CLIENT KILL ID). */
async function killByName(client: Redis, name: string): Promise<void> {
  const list = (await client.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /^id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  if (ids.length === 0) throw new Error(`no connection named ${name}`);
  for (const id of ids) await client.client('KILL', 'ID', id);
}

export function redisPair(url: string): PairBackend {
  let admin: Redis | undefined;
  let channel = '';
  return {
    async openPair(now) {
      const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
      channel = `ccg-push:${prefix}events`;
      const [r1, r2] = [new Redis(url), new Redis(url)];
      admin = r1;
      const a = createRedisSessionStore(r1, { prefix, now, push: true });
      const b = createRedisSessionStore(r2, { prefix, now, push: true });
      return {
        a,
        b,
        async close() {
          await a.closeChannel();
          await b.closeChannel();
          const keys = await r1.keys(`${prefix}*`);
          if (keys.length > 0) await r1.del(...keys);
          await r1.quit();
          await r2.quit();
        },
      };
    },
    killSubscriber: () => killByName(admin!, channel),
  };
}

export function redisClusterPair(url: string): PairBackend {
  let admin: Cluster | undefined;
  let channel = '';
  const open = async () => {
    const { hostname, port } = new URL(url);
    const cluster = new Cluster([{ host: hostname, port: Number(port) }], {
      lazyConnect: true,
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    await cluster.connect();
    return cluster;
  };
  return {
    async openPair(now) {
      const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
      channel = `ccg-push:${prefix}events`;
      const [c1, c2] = [await open(), await open()];
      admin = c1;
      const a = createRedisSessionStore(c1, { prefix, now, push: true });
      const b = createRedisSessionStore(c2, { prefix, now, push: true });
      return {
        a,
        b,
        async close() {
          await a.closeChannel();
          await b.closeChannel();
          for (const node of c1.nodes('master')) {
            for (const k of await node.keys(`${prefix}*`)) await c1.del(k);
          }
          await c1.quit();
          await c2.quit();
        },
      };
    },
    async killSubscriber() {
      for (const node of admin!.nodes('master')) await killByName(node, channel).catch(() => {});
    },
  };
}
