/**
 * The Articles app (Express 5). Everything auth-related comes from the library's public entry
 * points; this file only wires them and adds the app's own routes and table.
 *
 * - `/auth/login`, `/auth/callback`, `POST /auth/logout`, `/auth/me`: browser login (sessions);
 * - `POST /auth/cognito-events`: signed trigger events that keep the user replica current;
 * - `GET /api/articles`: any signed-in user (bearer token OR session: the same principal);
 * - `POST /api/articles`: group `editors`; `DELETE /api/articles/:id`: group `admins`;
 * - `/`: the web page.
 */
import { randomBytes } from 'node:crypto';
import {
  createBearerAuthenticator,
  createCognitoEventsRoute,
  createCognitoLogin,
  isCognitoAuthError,
  type PoolConfig,
  type Principal,
} from 'cognito-code-grant';
import {
  cognitoAuth,
  errorHandler,
  mountRoutes,
  requireAuth,
  requireGroup,
} from 'cognito-code-grant/express';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { databaseHealth } from './database-check.ts';
import { contentSecurityPolicy, type PageUser, renderErrorPage, renderPage } from './page.ts';
import { setUpArticles } from './setup.ts';
import { validateArticle } from './validation.ts';

export interface ArticlesAppConfig {
  /** From `definePool()` / `poolFromEnv()`; `domain` is required for browser login. */
  readonly pool: PoolConfig;
  /** Public base URL, e.g. `https://articles.example.com` (`APP_URL`). */
  readonly appUrl: string;
  /**
   * `SESSION_SECRET` values (the first seals the login-state cookie and derives CSRF tokens, the
   * others are still accepted). Sessions themselves are stored in `db`.
   */
  readonly sessionSecrets: readonly string[];
  /** The database shared by the replica and the `articles` table. The caller owns it. */
  readonly db: Kysely<any>;
  /** `COGNITO_WEBHOOK_SECRET` values; `POST /auth/cognito-events` is mounted only when set. */
  readonly webhookSecrets?: readonly string[] | undefined;
  /** Replica table prefix. Default `cognito_`. */
  readonly tablePrefix?: string | undefined;
  /**
   * Origins of pages allowed to call `/api/*` from the browser with a bearer token (CORS), e.g.
   * the single-page app's `http://localhost:3001`. None by default: same origin only.
   */
  readonly corsOrigins?: readonly string[] | undefined;
  /** For tests: the fetch used for Cognito's token, revoke and JWKS endpoints. */
  readonly fetch?: typeof globalThis.fetch | undefined;
}

export interface ArticlesApp {
  readonly app: Express;
}

/** The header the page's script sends the CSRF token in, on session-authenticated writes (the library's name). */
export const CSRF_HEADER = 'x-csrf-token';

/** The `cors` options for `/api/*`: bearer calls from the listed origins, errors readable. */
export function apiCorsOptions(origins: readonly string[]): cors.CorsOptions {
  return {
    origin: [...origins],
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type'],
    exposedHeaders: ['www-authenticate'],
    maxAge: 600,
  };
}

function pageUser(principal: Principal): PageUser {
  const name = principal.claims['name'];
  return {
    name: typeof name === 'string' && name !== '' ? name : (principal.username ?? principal.sub),
    username: principal.username,
    email: principal.email,
    groups: principal.groups,
  };
}

/**
 * Builds the app: runs the library's migrations, then the articles table's, and wires the
 * routes. Returns the Express app; the caller listens and owns `config.db`.
 */
export async function createApp(config: ArticlesAppConfig): Promise<ArticlesApp> {
  const { articles, verifier, replica, sessions } = await setUpArticles(config);
  const hook = replica.hook();
  const login = createCognitoLogin({
    pool: config.pool,
    appUrl: config.appUrl,
    verifier,
    // Store mode on the app's own database: a user in many groups has a session like anyone
    // else's (a cookie holds about 14 KB), and a logout ends the session everywhere at once.
    session: { mode: 'store', store: sessions, secrets: config.sessionSecrets },
    prefix: '/auth',
    hook,
    // Sign-in errors (an expired or replayed callback, say) in the app's look.
    renderErrorPage,
    ...(config.fetch ? { fetch: config.fetch } : {}),
  });
  // Bearer first: an API client's explicit token wins over a browser cookie it may also carry.
  const bearer = createBearerAuthenticator({ verifier, tokenUse: 'access', hook });
  const authenticators = [bearer, login.authenticator];

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const routes = [...login.routes];
  if (config.webhookSecrets && config.webhookSecrets.length > 0) {
    routes.push(createCognitoEventsRoute({ replica, secrets: config.webhookSecrets }));
  }
  mountRoutes(app, routes, { origin: config.appUrl });

  // The page authenticates by session only, and answers an ended session (expired, refresh
  // refused) by clearing the cookie and sending the browser to sign in again, not with JSON.
  app.get('/', async (req, res, next) => {
    let principal: Principal | null = null;
    try {
      const outcome = await login.authenticator.authenticate({
        method: req.method,
        url: req.originalUrl,
        header: (name) => req.get(name),
      });
      if (outcome.setCookies.length > 0) res.append('set-cookie', [...outcome.setCookies]);
      principal = outcome.principal;
    } catch (error) {
      if (
        isCognitoAuthError(error) &&
        (error.code === 'SESSION_EXPIRED' || error.code === 'REFRESH_FAILED')
      ) {
        const cookies = error.details?.setCookies;
        if (cookies) res.append('set-cookie', [...cookies]);
        res.redirect(303, login.loginPath('/'));
        return;
      }
      next(error);
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    const html = renderPage({
      user: principal ? pageUser(principal) : null,
      articles: principal ? await articles.list() : [],
      canWrite: principal?.groups.includes('editors') ?? false,
      canDelete: principal?.groups.includes('admins') ?? false,
      csrfToken: principal ? (login.csrfToken(req) ?? undefined) : undefined,
      csrfField: 'csrf',
      csrfHeader: CSRF_HEADER,
      loginPath: login.loginPath(),
      logoutPath: `${login.prefix}/logout`,
      nonce,
    });
    res
      .status(200)
      .set({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': contentSecurityPolicy(nonce),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
      })
      .send(html);
  });

  // Pages on the listed origins may call the API with a bearer token. Mounted before
  // authentication so that the 401 and 403 answers carry the headers too, and the page can read
  // them (and the WWW-Authenticate challenge). No credentials: cookies stay same-origin.
  if (config.corsOrigins && config.corsOrigins.length > 0) {
    app.use('/api', cors(apiCorsOptions(config.corsOrigins)));
  }

  // Every route below knows who is calling (or that nobody is).
  app.use(cognitoAuth({ authenticators, mode: 'optional' }));

  /** Session-authenticated writes must carry the CSRF token (bearer calls cannot be forged by a browser). */
  const csrf = (req: Request, res: Response, next: NextFunction) => {
    if (req.auth?.source !== 'session') return next();
    const sent = req.get(CSRF_HEADER) ?? (typeof req.body?.csrf === 'string' ? req.body.csrf : undefined);
    if (login.verifyCsrf(req, sent)) return next();
    res.status(403).json({ error: 'CSRF_INVALID', message: 'Missing or invalid CSRF token' });
  };
  const body = [express.json({ limit: '64kb' }), express.urlencoded({ extended: false, limit: '64kb' })];

  // For load balancers and operators: 503 when the database does not answer (its error code only).
  app.get('/healthz', async (_req, res) => {
    const database = await databaseHealth(config.db);
    res
      .status(database.ok ? 200 : 503)
      .set('cache-control', 'no-store')
      .json({ ok: database.ok, database });
  });

  // Who is calling: the same principal shape whether it came from a bearer token or a session.
  app.get('/api/me', requireAuth(), (req, res) => {
    const p = req.auth!;
    res.set('cache-control', 'no-store').json({
      sub: p.sub,
      username: p.username,
      email: p.email ?? null,
      groups: p.groups,
      scopes: p.scopes,
      tokenUse: p.tokenUse,
      clientId: p.clientId,
      isMachine: p.isMachine,
      source: p.source,
      replicaUserId: p.replicaUserId ?? null,
    });
  });

  app.get('/api/articles', requireAuth(), async (_req, res) => {
    res.json({ articles: await articles.list() });
  });

  app.post('/api/articles', requireGroup('editors'), ...body, csrf, async (req, res) => {
    const result = validateArticle(req.body);
    if (!result.ok) {
      res.status(400).json({ error: 'VALIDATION_FAILED', fields: result.fields });
      return;
    }
    const authorId = req.auth?.replicaUserId;
    if (typeof authorId !== 'number') {
      res.status(403).json({ error: 'USER_UNKNOWN', message: 'Only users known to the replica can write' });
      return;
    }
    const article = await articles.create({ ...result.value, authorId });
    res.status(201).json({ article });
  });

  app.delete('/api/articles/:id', requireGroup('admins'), csrf, async (req, res) => {
    const raw = String(req.params['id']);
    const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(id) || !(await articles.remove(id))) {
      res.status(404).json({ error: 'NOT_FOUND', message: 'No such article' });
      return;
    }
    res.status(204).end();
  });

  app.use(errorHandler());
  // Anything else: a generic 500 with no detail (the error goes to the log only).
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Other client errors of a body parser (errorHandler() answered malformed JSON and too large).
      res.status(status).json({ error: 'BAD_REQUEST', message: 'The request body could not be read' });
      return;
    }
    console.error('articles: unhandled error', error);
    res.status(500).json({ error: 'INTERNAL_ERROR', message: 'Internal server error' });
  });

  return { app };
}
