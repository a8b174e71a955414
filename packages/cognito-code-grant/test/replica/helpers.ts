/** Shared helpers for the replica, webhook and sync tests: databases per dialect, principals, counters. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteQueryNode,
  InsertQueryNode,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  SelectQueryNode,
  UpdateQueryNode,
  sql,
} from 'kysely';
import type { Principal } from '../../src/principal/principal.ts';
import { createDatabase } from '../../src/store/kysely/database.ts';

export interface TestDb {
  readonly url: string;
  readonly db: Kysely<any>;
  /**
   * False for SQLite: better-sqlite3 waits for a lock synchronously, so two writing connections in
   * one process would block each other's event loop (production SQLite apps use one connection).
   */
  readonly concurrentWriters: boolean;
  /** Opens another Kysely on the same database (a second "process"). */
  open(): Promise<Kysely<any>>;
  close(): Promise<void>;
}

export type DbFactory = () => Promise<TestDb>;

export function sqliteFactory(): DbFactory {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccg-replica-'));
    const url = `sqlite:${join(dir, 'replica.db')}`;
    const extra: Kysely<any>[] = [];
    const db = await createDatabase(url);
    return {
      url,
      db,
      concurrentWriters: false,
      async open() {
        const d = await createDatabase(url);
        extra.push(d);
        return d;
      },
      async close() {
        for (const d of extra) await d.destroy();
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

/** Creates `ccg_test_<random>` on the server of `adminUrl`, drops it on close. */
export function serverFactory(adminUrl: string): DbFactory {
  return async () => {
    const name = `ccg_test_${randomBytes(6).toString('hex')}`;
    const admin = await createDatabase(adminUrl, { poolSize: 1 });
    const isMysql = /^(mysql|mariadb):/i.test(adminUrl);
    if (isMysql)
      await sql.raw(`create database ${name} character set utf8mb4 collate utf8mb4_bin`).execute(admin);
    else await sql.raw(`create database ${name}`).execute(admin);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    const extra: Kysely<any>[] = [];
    const db = await createDatabase(url);
    return {
      url,
      db,
      concurrentWriters: true,
      async open() {
        const d = await createDatabase(url);
        extra.push(d);
        return d;
      },
      async close() {
        for (const d of extra) await d.destroy();
        await db.destroy();
        if (!isMysql) await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
        else await sql.raw(`drop database if exists ${name}`).execute(admin);
        await admin.destroy();
      },
    };
  };
}

/** Counts statements by kind (a Kysely plugin: sees every query built by the instance it is on). */
export class StatementCounter implements KyselyPlugin {
  reads = 0;
  writes = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (SelectQueryNode.is(node)) this.reads++;
    else if (InsertQueryNode.is(node) || UpdateQueryNode.is(node) || DeleteQueryNode.is(node)) this.writes++;
    return node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<any>> {
    return args.result;
  }
  reset(): void {
    this.reads = 0;
    this.writes = 0;
  }
}

export const POOL = 'eu-west-1_TestPool1';

export function principal(over: {
  sub: string;
  username?: string;
  email?: string;
  emailVerified?: boolean;
  groups?: string[];
  claims?: Record<string, unknown>;
  tokenUse?: 'id' | 'access';
  isMachine?: boolean;
}): Principal {
  const tokenUse = over.tokenUse ?? 'id';
  const claims: Record<string, unknown> = {
    sub: over.sub,
    iss: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`,
    token_use: tokenUse,
    exp: 2_000_000_000,
    iat: 1_900_000_000,
    ...(over.groups ? { 'cognito:groups': over.groups } : {}),
    ...(tokenUse === 'id'
      ? {
          aud: 'client1',
          'cognito:username': over.username ?? over.sub,
          ...(over.email !== undefined ? { email: over.email } : {}),
          ...(over.emailVerified !== undefined ? { email_verified: over.emailVerified } : {}),
        }
      : { client_id: 'client1', username: over.username ?? over.sub }),
    ...over.claims,
  };
  return Object.freeze({
    sub: over.sub,
    username: over.isMachine ? null : (over.username ?? over.sub),
    email: tokenUse === 'id' ? over.email : undefined,
    emailVerified: tokenUse === 'id' ? over.emailVerified : undefined,
    groups: over.groups ?? [],
    scopes: [],
    tokenUse,
    clientId: 'client1',
    isMachine: over.isMachine ?? false,
    issuer: claims.iss as string,
    userPoolId: POOL,
    expiresAt: 2_000_000_000,
    source: 'bearer',
    claims: Object.freeze(claims) as never,
  });
}

export function fakeClock(start = 1_900_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export async function count(db: Kysely<any>, table: string): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
