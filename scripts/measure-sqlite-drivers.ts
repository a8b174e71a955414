/**
 * The measurement behind docs/adr/0003: the library's SQL session store and replica on SQLite,
 * once through better-sqlite3 and once through Node's built-in node:sqlite, both behind Kysely's
 * SqliteDialect (node:sqlite through a 20-line adapter). Interleaved rounds, median ops/s.
 * Run: node --conditions=ccg-source --import tsx scripts/measure-sqlite-drivers.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createReplica, createSqlSessionStore, migrate } from 'cognito-code-grant/kysely';

type Driver = 'better-sqlite3' | 'node:sqlite';

function open(driver: Driver, file: string): Kysely<any> {
  if (driver === 'better-sqlite3') {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
  }
  const db = new DatabaseSync(file);
  // synchronous NORMAL on both: better-sqlite3 builds SQLite with it as the WAL default, Node's
  // SQLite keeps FULL (an fsync per commit), which would measure the disk, not the driver.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
  const database = {
    close: () => db.close(),
    prepare(sql: string) {
      const s = db.prepare(sql);
      const params = (p: readonly unknown[]) => p as never[];
      return {
        reader: s.columns().length > 0,
        all: (p: readonly unknown[]) => s.all(...params(p)),
        run: (p: readonly unknown[]) => s.run(...params(p)),
        iterate: (p: readonly unknown[]) => s.iterate(...params(p)),
      };
    },
  };
  return new Kysely<any>({ dialect: new SqliteDialect({ database: database as never }) });
}

async function rate(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op(i);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function round(driver: Driver, dir: string, r: number): Promise<Record<string, number>> {
  const db = open(driver, join(dir, `${driver.replace(':', '-')}-${r}.db`));
  await migrate(db);
  const store = createSqlSessionStore(db);
  const replica = createReplica({ db, poolId: 'eu-west-1_bench' });
  const record = (i: number) => ({
    data: `sealed-session-data-${i}-${'x'.repeat(1500)}`,
    userSub: `sub-${i % 500}`,
    expiresAt: Date.now() + 3_600_000,
  });
  const N = 3000;
  const out: Record<string, number> = {};
  out['session set'] = await rate(N, (i) => store.set(`id-${i}`, record(i) as never));
  out['session get'] = await rate(N * 3, (i) => store.get(`id-${(i * 7919) % N}`));
  out['replica applyUserState (new user)'] = await rate(1000, (i) =>
    replica.applyUserState(
      {
        poolId: 'eu-west-1_bench',
        sub: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        username: `user${i}`,
        attributes: { email: `user${i}@example.com`, email_verified: 'true' },
        groups: i % 2 ? ['editors'] : ['editors', 'admins'],
      },
      'sync',
    ),
  );
  out['replica findUser'] = await rate(N, (i) =>
    db
      .selectFrom('cognito_users')
      .selectAll()
      .where('sub', '=', `00000000-0000-4000-8000-${String(i % 1000).padStart(12, '0')}`)
      .executeTakeFirst(),
  );
  await db.destroy();
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'ccg-sqlite-'));
const results: Record<Driver, Record<string, number[]>> = { 'better-sqlite3': {}, 'node:sqlite': {} };
const rounds = Number(process.env.ROUNDS ?? 5);
for (let r = 0; r < rounds; r++) {
  const order: Driver[] = r % 2 ? ['node:sqlite', 'better-sqlite3'] : ['better-sqlite3', 'node:sqlite'];
  for (const driver of order) {
    for (const [k, v] of Object.entries(await round(driver, dir, r))) {
      results[driver][k] = [...(results[driver][k] ?? []), v];
    }
  }
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`Node ${process.version}, ${rounds} interleaved rounds, median ops/s`);
console.log('| operation | better-sqlite3 | node:sqlite | node:sqlite / better-sqlite3 |');
console.log('|---|---|---|---|');
for (const k of Object.keys(results['better-sqlite3'])) {
  const b = median(results['better-sqlite3'][k] ?? []);
  const n = median(results['node:sqlite'][k] ?? []);
  console.log(`| ${k} | ${Math.round(b)} | ${Math.round(n)} | ${(n / b).toFixed(2)}x |`);
}
