/**
 * What the Express and the Fastify app share, whatever the framework: the library's migrations,
 * then the articles table's, the article store, the verifier, the user replica and the session
 * store (sessions live in the same SQL database).
 */
import { type CognitoVerifier, createCognitoVerifier, type PoolConfig } from 'cognito-code-grant';
import {
  createReplica,
  createSqlSessionStore,
  migrate,
  type Replica,
  type SqlSessionStore,
} from 'cognito-code-grant/kysely';
import type { Kysely } from 'kysely';
import { type ArticleStore, createArticleStore, migrateArticles } from './articles.ts';

export interface ArticlesCoreConfig {
  readonly pool: PoolConfig;
  /** Shared by the replica and the `articles` table. The caller owns it. */
  readonly db: Kysely<any>;
  readonly tablePrefix?: string | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
}

export interface ArticlesCore {
  readonly articles: ArticleStore;
  readonly verifier: CognitoVerifier;
  readonly replica: Replica;
  /**
   * Browser sessions, in the app's database (store mode): a session of any size fits, and a
   * logout ends it in every process at once. Cookie mode (no store) is in docs/sessions.md.
   */
  readonly sessions: SqlSessionStore;
}

export async function setUpArticles(config: ArticlesCoreConfig): Promise<ArticlesCore> {
  const tablePrefix = config.tablePrefix ?? 'cognito_';
  await migrate(config.db, { tablePrefix });
  await migrateArticles(config.db, { usersTable: `${tablePrefix}users` });
  const sessions = createSqlSessionStore(config.db, { tablePrefix });
  // Expired rows are never read; clearing them at start-up keeps the table from growing forever.
  await sessions.deleteExpired();
  return {
    sessions,
    articles: createArticleStore(config.db, { usersTable: `${tablePrefix}users` }),
    verifier: createCognitoVerifier({
      pools: config.pool,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    }),
    replica: createReplica({ db: config.db, tablePrefix, poolId: config.pool.userPoolId }),
  };
}
