/**
 * The demo: the Cognito emulator (demo pool and users) and the Articles app in one process, the
 * emulator's trigger webhook wired to the app's `POST /auth/cognito-events` with a random
 * per-run secret. `main.ts` runs it on fixed ports; the tests run it on free ports.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSpaServer } from 'articles-spa-example/server';
import { definePool, type PoolConfig } from 'cognito-code-grant';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_CLIENTS, demoSeed, type SeedFile, start as startEmulator } from 'cognito-code-grant-emulator';
import type { Kysely } from 'kysely';
import { createApp } from './app.ts';
import { checkDatabase } from './database-check.ts';

export interface DemoOptions {
  /** App port; 0 picks a free one. */
  readonly port: number;
  /** Emulator port; 0 picks a free one. */
  readonly emulatorPort: number;
  /** Interface both servers listen on. Default `localhost`. */
  readonly host?: string | undefined;
  /** SQLite file, `:memory:`, or a postgres:// / mysql:// URL. */
  readonly databaseUrl: string;
  /** Session secrets; a random one per run when omitted. */
  readonly sessionSecrets?: readonly string[] | undefined;
  /**
   * Also serve the single-page app (`examples/articles-spa`) from `dir` (a Vite build) on its own
   * `port` (0 picks a free one): another origin, so the API answers it with CORS.
   */
  readonly spa?: { readonly port: number; readonly dir: string } | undefined;
  /** More origins allowed to call the API from a page. */
  readonly corsOrigins?: readonly string[] | undefined;
}

export interface RunningDemo {
  /** The app's base URL, e.g. `http://localhost:3000`. */
  readonly appUrl: string;
  /** The single-page app's URL, when `spa` was given. */
  readonly spaUrl: string | undefined;
  /** The emulator's base URL (its managed-login domain). */
  readonly emulatorUrl: string;
  readonly pool: PoolConfig;
  readonly emulator: Awaited<ReturnType<typeof startEmulator>>;
  readonly db: Kysely<any>;
  /** True when the session secret was generated for this run. */
  readonly generatedSessionSecret: boolean;
  close(): Promise<void>;
}

/**
 * The demo seed with the web client's callback and sign-out URLs pointing at `appUrl`, so the
 * app works on any port (the shipped seed registers port 3000).
 */
export function demoSeedFor(appUrl: string): SeedFile {
  const seed = structuredClone(demoSeed) as SeedFile;
  const base = new URL(appUrl);
  const hosts = new Set([base.host, `localhost:${base.port}`, `127.0.0.1:${base.port}`]);
  for (const pool of seed.pools) {
    for (const client of pool.clients ?? []) {
      if (client.callbackUrls === undefined) continue;
      client.callbackUrls = [...hosts].map((h) => `${base.protocol}//${h}/auth/callback`);
      client.logoutUrls = [...hosts].map((h) => `${base.protocol}//${h}/`);
    }
  }
  return seed;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

type Handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

/** A server that listens now (so its URL is known) and answers 503 until `serve()` gives it a handler. */
async function listenLater(port: number, host: string) {
  let handler: Handler | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else {
      res.statusCode = 503;
      res.end('starting');
    }
  });
  const bound = await listen(server, port, host);
  return {
    port: bound,
    url: `http://${host}:${bound}`,
    serve(h: Handler) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Starts the emulator and the app. Call `close()` to stop both and close the database. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const host = options.host ?? 'localhost';
  // Listen first so the app's URL (and port) is known before the emulator's seed is built.
  const appServer = await listenLater(options.port, host);
  const appUrl = appServer.url;
  const closers: (() => Promise<void>)[] = [appServer.close];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };

  try {
    const spa = options.spa ? await listenLater(options.spa.port, host) : undefined;
    if (spa) closers.push(spa.close);
    // The SPA's origin as the browser may spell it (localhost or 127.0.0.1).
    const spaOrigins = spa ? [spa.url, `http://localhost:${spa.port}`, `http://127.0.0.1:${spa.port}`] : [];
    const webhookSecret = randomBytes(32).toString('base64url');
    const emulator = await startEmulator({
      port: options.emulatorPort,
      host,
      seed: demoSeedFor(appUrl),
      webhook: { url: `${appUrl}/auth/cognito-events`, secret: webhookSecret },
    });
    closers.push(() => emulator.stop());

    const pool = definePool({
      userPoolId: emulator.pool().userPoolId,
      // The web client signs browsers in; the machine client's tokens are accepted on the API, and
      // so are the public client's (the single-page app signs in with it).
      clientId: [DEMO_CLIENTS.web.clientId, DEMO_CLIENTS.machine.clientId, DEMO_CLIENTS.public.clientId],
      clientSecret: DEMO_CLIENTS.web.clientSecret,
      domain: emulator.url,
      issuer: emulator.issuer(),
    });
    const db = await createDatabase(options.databaseUrl);
    closers.push(() => db.destroy());
    await checkDatabase(db, options.databaseUrl);

    const generated = options.sessionSecrets === undefined || options.sessionSecrets.length === 0;
    const sessionSecrets = generated ? [randomBytes(32).toString('base64url')] : options.sessionSecrets!;
    const corsOrigins = [...new Set([...spaOrigins, ...(options.corsOrigins ?? [])])];
    const { app } = await createApp({
      pool,
      appUrl,
      sessionSecrets,
      db,
      webhookSecrets: [webhookSecret],
      corsOrigins,
    });
    appServer.serve(app);
    if (spa && options.spa) {
      spa.serve(
        createSpaServer({
          dir: options.spa.dir,
          config: {
            userPoolId: pool.userPoolId,
            userPoolClientId: DEMO_CLIENTS.public.clientId,
            userPoolEndpoint: `${emulator.url}/`,
            apiUrl: appUrl,
          },
        }),
      );
    }

    return {
      appUrl,
      spaUrl: spa?.url,
      emulatorUrl: emulator.url,
      pool,
      emulator,
      db,
      generatedSessionSecret: generated,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
