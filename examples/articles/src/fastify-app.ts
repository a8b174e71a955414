/**
 * The Articles API on Fastify 5: the same table, validation and rules as the Express app, with
 * bearer tokens only (no browser login), to show the Fastify plugin. Each route states what it
 * needs in `config.auth`; the plugin authenticates before the handler runs.
 */
import fastifyCors from '@fastify/cors';
import { cognito, cognitoErrorHandler } from 'cognito-code-grant/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { type ArticlesCoreConfig, setUpArticles } from './setup.ts';
import { validateArticle } from './validation.ts';

export interface FastifyArticlesConfig extends ArticlesCoreConfig {
  /** Origins of pages allowed to call the API from the browser (CORS). None by default. */
  readonly corsOrigins?: readonly string[] | undefined;
}

/** Builds the Fastify app (migrations included); the caller calls `listen()` and `close()`. */
export async function createFastifyApp(config: FastifyArticlesConfig): Promise<FastifyInstance> {
  const { articles, verifier, replica } = await setUpArticles(config);

  const app = Fastify({ bodyLimit: 64 * 1024 });
  // Registered before the auth plugin: its onRequest hook runs first, so 401 and 403 answers
  // carry the CORS headers and the page can read them (and the WWW-Authenticate challenge).
  if (config.corsOrigins && config.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: [...config.corsOrigins],
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type'],
      exposedHeaders: ['www-authenticate'],
      maxAge: 600,
    });
  }
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
