/**
 * Store mode across processes: two independent `createCognitoLogin` instances (two app
 * processes) share one store; concurrent requests at expiry cause exactly one refresh, through
 * the store's lease. Runs on the memory store here and on SQLite, which needs no service.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { createCognitoLogin } from '../../src/http/login/create-login.ts';
import type { SessionStore } from '../../src/session/store.ts';
import { sessionMigrations } from '../../src/store/kysely/migrations/sessions.ts';
import { createSqlSessionStore } from '../../src/store/kysely/session-store.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { APP, SECRET, setup } from './harness.ts';

async function sqliteStore(now: () => number): Promise<{ store: SessionStore; close(): Promise<void> }> {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const migrations = sessionMigrations('x_');
  const result = await new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  }).migrateToLatest();
  if (result.error) throw result.error;
  return { store: createSqlSessionStore(db, { tablePrefix: 'x_', now }), close: () => db.destroy() };
}

for (const kind of ['memory', 'sqlite'] as const) {
  test(`two processes sharing a ${kind} store refresh a session once`, async () => {
    // The harness owns the clock (the fake Cognito mints tokens with it); the store reads it too.
    let clock = { t: 0 };
    const now = () => clock.t;
    const { store, close } =
      kind === 'memory'
        ? { store: createMemorySessionStore({ now }), close: async () => {} }
        : await sqliteStore(now);
    try {
      const a = setup('store', { session: { mode: 'store', store, secrets: [SECRET] }, refreshPollMs: 5 });
      clock = a.clock;
      const b = createCognitoLogin({
        pool: a.fake.pool,
        appUrl: APP,
        session: { mode: 'store', store, secrets: [SECRET] },
        fetch: a.fake.fetch,
        now,
        refreshPollMs: 5,
      });
      await a.signIn();
      // The other process sees the same session.
      assert.equal((await b.authenticator.authenticate(a.requestLike())).principal?.username, 'jdoe');
      clock.t += 3600_000 + 1000;
      a.fake.delayMs = 30;
      const outs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a.login : b).authenticator.authenticate(a.requestLike()),
        ),
      );
      assert.equal(a.fake.calls.refresh, 1);
      for (const o of outs) assert.ok(o.principal && o.principal.expiresAt * 1000 > clock.t);
    } finally {
      await close();
    }
  });
}
