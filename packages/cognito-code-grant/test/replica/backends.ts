/**
 * The replica suite's backends: the SQL UserStore on a test database (SQLite, PostgreSQL,
 * MariaDB) and the in-memory UserStore. A backend makes replicas over one shared store (and,
 * where it means something, over a second connection: "another process"), counts store calls,
 * and answers the few questions the suite asks of the storage itself.
 */
import type { Kysely } from 'kysely';
import { createUserReplica, type UserReplicaOptions } from '../../src/replica/replica.ts';
import type { Replica } from '../../src/replica/types.ts';
import type { UserStore } from '../../src/replica/user-store.ts';
import { createMemoryUserStore } from '../../src/store/memory/user-store.ts';
import { createReplica } from '../../src/store/kysely/replica.ts';
import { count, type DbFactory, StatementCounter, type TestDb } from './helpers.ts';

export interface Counter {
  readonly reads: number;
  readonly writes: number;
  reset(): void;
}

export interface ReplicaBackend {
  /** Set for the SQL backends: the test database (the SQL-only tests use it). */
  readonly sql: TestDb | undefined;
  /** Whether two writers can wait on each other (SQL servers); false for SQLite and memory. */
  readonly concurrentWriters: boolean;
  replica(options?: UserReplicaOptions): Replica;
  /** Makes replicas of "another process" on the same data (a second connection where there is one). */
  otherProcess(): Promise<(options?: UserReplicaOptions) => Replica>;
  /** A replica whose store calls are counted. */
  counted(options?: UserReplicaOptions): { replica: Replica; counter: Counter };
  countUsers(): Promise<number>;
  countWebhookEvents(): Promise<number>;
  /** Rows with this sub (any pool). */
  countUsersWithSub(sub: string): Promise<number>;
  /** The stored lower-cased e-mail of a user. */
  emailLowerOf(sub: string): Promise<string | null>;
  /** Whether the user is visible to another process now (hooks run after the commit). */
  visibleElsewhere(userId: number): Promise<boolean>;
  /** Inserts a local (app-created, unlinked) row of the suite's pool with this e-mail; its id. */
  insertLocalUser(poolId: string, email: string): Promise<number>;
  close(): Promise<void>;
}

export interface BackendFactory {
  (): Promise<ReplicaBackend>;
  /** The SQL-only tests run too. */
  readonly sql: boolean;
}

const T = { users: 'cognito_users', ev: 'cognito_webhook_events' };

export function sqlBackend(factory: DbFactory): BackendFactory {
  return Object.assign(
    async (): Promise<ReplicaBackend> => {
      const env = await factory();
      const db = env.db;
      const others: Kysely<any>[] = [];
      return {
        sql: env,
        concurrentWriters: env.concurrentWriters,
        replica: (options = {}) => createReplica({ ...options, db }),
        async otherProcess() {
          const other = await env.open();
          others.push(other);
          return (options = {}) => createReplica({ ...options, db: other });
        },
        counted(options = {}) {
          const counter = new StatementCounter();
          return { replica: createReplica({ ...options, db: db.withPlugin(counter) }), counter };
        },
        countUsers: () => count(db, T.users),
        countWebhookEvents: () => count(db, T.ev),
        async countUsersWithSub(sub) {
          const r = await db
            .selectFrom(T.users)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('sub', '=', sub)
            .executeTakeFirstOrThrow();
          return Number(r.n);
        },
        async emailLowerOf(sub) {
          const row = await db
            .selectFrom(T.users)
            .select(['email_lower'])
            .where('sub', '=', sub)
            .executeTakeFirst();
          return (row?.email_lower as string | null | undefined) ?? null;
        },
        async visibleElsewhere(userId) {
          const other = others[0] ?? (await env.open());
          if (!others.includes(other)) others.push(other);
          const row = await other
            .selectFrom(T.users)
            .select('id')
            .where('id', '=', userId)
            .executeTakeFirst();
          return row !== undefined;
        },
        async insertLocalUser(poolId, email) {
          const now = Date.now();
          await db
            .insertInto(T.users)
            .values({
              pool_id: poolId,
              attributes: '{}',
              enabled: 1,
              created_at: now,
              updated_at: now,
              email,
              email_lower: email.toLowerCase(),
            })
            .execute();
          const row = await db
            .selectFrom(T.users)
            .select(['id'])
            .where('email_lower', '=', email.toLowerCase())
            .executeTakeFirstOrThrow();
          return Number(row.id);
        },
        close: () => env.close(),
      };
    },
    { sql: true },
  );
}

const READS = new Set(['find', 'findById', 'groupsOf', 'listUsersInGroup', 'listGroups']);

/** Counts the calls made to `store` (reads: lookups; writes: everything else). */
function countingStore(store: UserStore): { store: UserStore; counter: Counter } {
  let reads = 0;
  let writes = 0;
  const counted = {} as Record<string, unknown>;
  for (const name of Object.keys(store) as (keyof UserStore)[]) {
    const fn = store[name] as unknown;
    if (typeof fn !== 'function') continue;
    counted[name] = (...args: unknown[]) => {
      if (READS.has(name)) reads++;
      else writes++;
      return (fn as (...a: unknown[]) => unknown).apply(store, args);
    };
  }
  return {
    store: counted as unknown as UserStore,
    counter: {
      get reads() {
        return reads;
      },
      get writes() {
        return writes;
      },
      reset() {
        reads = 0;
        writes = 0;
      },
    },
  };
}

export function memoryBackend(): BackendFactory {
  return Object.assign(
    async (): Promise<ReplicaBackend> => {
      const store = createMemoryUserStore();
      return {
        sql: undefined,
        concurrentWriters: false,
        replica: (options = {}) => createUserReplica(store, options),
        // Processes cannot share a memory store: "another process" is another replica on it.
        otherProcess:
          async () =>
          (options = {}) =>
            createUserReplica(store, options),
        counted(options = {}) {
          const c = countingStore(store);
          return { replica: createUserReplica(c.store, options), counter: c.counter };
        },
        countUsers: async () => store.size,
        countWebhookEvents: async () => store.webhookEventCount,
        countUsersWithSub: async (sub) => store.countWithSub(sub),
        emailLowerOf: async (sub) => store.emailLowerOf(sub),
        visibleElsewhere: async (userId) => (await store.findById(userId)) !== null,
        insertLocalUser: async (poolId, email) => store.insertLocalUser(poolId, email, Date.now()).id,
        close: async () => {},
      };
    },
    { sql: false },
  );
}
