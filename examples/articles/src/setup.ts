/**
 * What the Express and the Fastify app share, whatever the framework: the library's migrations,
 * then the articles table's, the article store, the verifier and the user replica.
 */
import { type CognitoVerifier, createCognitoVerifier, type PoolConfig } from 'cognito-code-grant';
import { createReplica, migrate, type Replica } from 'cognito-code-grant/kysely';
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
}

export async function setUpArticles(config: ArticlesCoreConfig): Promise<ArticlesCore> {
  const tablePrefix = config.tablePrefix ?? 'cognito_';
  await migrate(config.db, { tablePrefix });
  await migrateArticles(config.db, { usersTable: `${tablePrefix}users` });
  return {
    articles: createArticleStore(config.db, { usersTable: `${tablePrefix}users` }),
    verifier: createCognitoVerifier({
      pools: config.pool,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    }),
    replica: createReplica({ db: config.db, tablePrefix, poolId: config.pool.userPoolId }),
  };
}
