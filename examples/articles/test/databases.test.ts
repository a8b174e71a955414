/**
 * The app on each database: its articles migration after the library's, the foreign key to the
 * replica's users table, create / list / delete. SQLite always; PostgreSQL and MariaDB when
 * TEST_POSTGRES_URL / TEST_MYSQL_URL are set (each run creates and drops its own database).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { sql } from 'kysely';
import { startDemo } from '../src/demo.ts';
import { passwordLogin } from './helpers.ts';

interface Target {
  readonly url: string;
  drop(): Promise<void>;
}

async function serverDatabase(adminUrl: string): Promise<Target> {
  const name = `articles_test_${randomBytes(6).toString('hex')}`;
  const admin = await createDatabase(adminUrl, { poolSize: 1 });
  const mysql = /^(mysql|mariadb):/i.test(adminUrl);
  await sql
    .raw(`create database ${name}${mysql ? ' character set utf8mb4 collate utf8mb4_bin' : ''}`)
    .execute(admin);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await sql.raw(`drop database if exists ${name}`).execute(admin);
      await admin.destroy();
    },
  };
}

function sqliteFile(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'articles-db-'));
  return {
    url: join(dir, 'articles.db'),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const targets: [string, (() => Promise<Target>) | undefined, string | undefined][] = [
  ['sqlite', async () => sqliteFile(), undefined],
  [
    'postgres',
    process.env['TEST_POSTGRES_URL'] ? () => serverDatabase(process.env['TEST_POSTGRES_URL']!) : undefined,
    'TEST_POSTGRES_URL not set',
  ],
  [
    'mysql',
    process.env['TEST_MYSQL_URL'] ? () => serverDatabase(process.env['TEST_MYSQL_URL']!) : undefined,
    'TEST_MYSQL_URL not set',
  ],
];

describe('articles on each database', () => {
  for (const [name, open, reason] of targets) {
    it(`creates, lists and deletes with a foreign key to the replica (${name})`, {
      skip: open ? false : reason,
    }, async () => {
      const target = await open!();
      const demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: target.url });
      try {
        const token = async (username: string) =>
          (
            await passwordLogin({
              emulatorUrl: demo.emulatorUrl,
              client: DEMO_CLIENTS.web,
              redirectUri: `${demo.appUrl}/auth/callback`,
              username,
              password: DEMO_PASSWORD,
            })
          ).access_token;
        const editor = await token('editor');
        const admin = await token('admin');
        const created = await fetch(`${demo.appUrl}/api/articles`, {
          method: 'POST',
          headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `On ${name}: ünïcødé ✓`, body: "'; drop table articles; --" }),
        });
        assert.equal(created.status, 201);
        const { article } = (await created.json()) as {
          article: { id: number; title: string; author: string };
        };
        assert.equal(article.title, `On ${name}: ünïcødé ✓`);
        assert.equal(article.author, 'editor');

        const list = (await (
          await fetch(`${demo.appUrl}/api/articles`, { headers: { authorization: `Bearer ${admin}` } })
        ).json()) as { articles: { id: number; body: string }[] };
        assert.equal(list.articles.find((a) => a.id === article.id)?.body, "'; drop table articles; --");

        await assert.rejects(
          demo.db
            .insertInto('articles')
            .values({ title: 'orphan', body: '', author_id: 987_654, created_at: Date.now() })
            .execute(),
          'the foreign key refuses an unknown author',
        );

        const deleted = await fetch(`${demo.appUrl}/api/articles/${article.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(deleted.status, 204);
      } finally {
        await demo.close();
        await target.drop();
      }
    });
  }
});
