/**
 * The app on each database: its articles migration after the library's, the foreign key to the
 * replica's users table, create / list / delete. SQLite always; PostgreSQL and MariaDB when
 * TEST_POSTGRES_URL / TEST_MYSQL_URL are set (each run creates and drops its own database).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { startDemo } from '../src/demo.ts';
import { databaseTargets, passwordLogin } from './helpers.ts';

const targets = databaseTargets('articles_test');

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
