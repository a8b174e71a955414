/**
 * The Articles API on Fastify 5: the same table, validation and rules as the Express app, with
 * bearer tokens only (no browser login), to show the Fastify plugin. Each route states what it
 * needs in `config.auth`; the plugin authenticates before the handler runs.
 */
import { createCognitoVerifier, type PoolConfig } from 'cognito-code-grant';
import { cognito, cognitoErrorHandler } from 'cognito-code-grant/fastify';
import { createReplica, migrate } from 'cognito-code-grant/kysely';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createArticleStore, migrateArticles } from './articles.ts';
import { validateArticle } from './validation.ts';

export interface FastifyArticlesConfig {
  readonly pool: PoolConfig;
  /** Shared with the replica. The caller owns it. */
  readonly db: Kysely<any>;
  readonly tablePrefix?: string | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
}

/** Builds the Fastify app (migrations included); the caller calls `listen()` and `close()`. */
export async function createFastifyApp(config: FastifyArticlesConfig): Promise<FastifyInstance> {
  const tablePrefix = config.tablePrefix ?? 'cognito_';
  await migrate(config.db, { tablePrefix });
  await migrateArticles(config.db, { usersTable: `${tablePrefix}users` });
  const articles = createArticleStore(config.db, { usersTable: `${tablePrefix}users` });
  const verifier = createCognitoVerifier({
    pools: config.pool,
    ...(config.fetch ? { fetch: config.fetch } : {}),
  });
  const replica = createReplica({ db: config.db, tablePrefix, poolId: config.pool.userPoolId });

  const app = Fastify({ bodyLimit: 64 * 1024 });
  await app.register(cognito, { verifier, hook: replica.hook() });
  app.setErrorHandler(cognitoErrorHandler);

  app.get('/api/articles', { config: { auth: 'required' } }, async () => ({
    articles: await articles.list(),
  }));

  app.post('/api/articles', { config: { auth: { groups: ['editors'] } } }, async (request, reply) => {
    const result = validateArticle(request.body);
    if (!result.ok) return reply.code(400).send({ error: 'VALIDATION_FAILED', fields: result.fields });
    const authorId = request.auth?.replicaUserId;
    if (typeof authorId !== 'number') {
      return reply
        .code(403)
        .send({ error: 'USER_UNKNOWN', message: 'Only users known to the replica can write' });
    }
    return reply.code(201).send({ article: await articles.create({ ...result.value, authorId }) });
  });

  return app;
}
