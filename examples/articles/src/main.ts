/**
 * `npm start`: the one command.
 * - No `COGNITO_*` variable set: starts the Cognito emulator (demo pool and users) and the app on
 *   SQLite (`.data/articles.db`), and prints the URL and the demo users' passwords.
 * - `COGNITO_*`, `APP_URL`, `SESSION_SECRET` (and usually `DATABASE_URL`) set: a real user pool
 *   and database, no emulator. See `.env.example`.
 * Stops cleanly on SIGINT / SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { webhookSecretsFromEnv } from 'cognito-code-grant';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_PASSWORD, demoSeed } from 'cognito-code-grant-emulator';
import { createApp } from './app.ts';
import { checkDatabase, redactDatabaseUrl } from './database-check.ts';
import { startDemo } from './demo.ts';
import { readSettings, type Settings } from './env.ts';

function ensureSqliteFolder(url: string): void {
  if (/^(postgres(ql)?|mysql|mariadb):\/\//i.test(url) || url.includes(':memory:')) return;
  const path = url.replace(/^sqlite:(\/\/)?/i, '');
  mkdirSync(dirname(resolve(path)), { recursive: true });
}

async function startReal(settings: Extract<Settings, { mode: 'real' }>): Promise<() => Promise<void>> {
  ensureSqliteFolder(settings.databaseUrl);
  const db = await createDatabase(settings.databaseUrl);
  try {
    // Says which host and why, before the migrations would fail with less to go on.
    await checkDatabase(db, settings.databaseUrl);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw error;
  }
  const webhookSecret = settings.env.webhookSecret;
  const { app } = await createApp({
    pool: settings.env.pool,
    appUrl: settings.appUrl,
    sessionSecrets: settings.sessionSecrets,
    db,
    // Comma-separated for rotation: the events route accepts every listed secret.
    webhookSecrets: webhookSecret ? webhookSecretsFromEnv(webhookSecret) : undefined,
  });
  const server = createServer(app);
  await new Promise<void>((done, fail) =>
    server.once('error', fail).listen(settings.port, settings.host, done),
  );
  const bound = server.address() as AddressInfo;
  console.log(`Articles is listening on ${bound.address}:${bound.port}; public URL ${settings.appUrl}`);
  console.log(
    `User pool ${settings.env.pool.userPoolId}, database ${redactDatabaseUrl(settings.databaseUrl)}`,
  );
  if (!webhookSecret)
    console.log('COGNITO_WEBHOOK_SECRET not set: POST /auth/cognito-events is not mounted.');
  return async () => {
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeIdleConnections();
    });
    await db.destroy();
  };
}

async function startDemoMode(settings: Extract<Settings, { mode: 'demo' }>): Promise<() => Promise<void>> {
  ensureSqliteFolder(settings.databaseUrl);
  const demo = await startDemo({
    port: settings.port,
    emulatorPort: settings.emulatorPort,
    host: settings.host,
    databaseUrl: settings.databaseUrl,
    sessionSecrets: settings.sessionSecrets,
  });
  if (demo.generatedSessionSecret) {
    console.warn('warning: SESSION_SECRET is not set; using a random one for this run (development only).');
  }
  const users = demoSeed.pools[0]?.users ?? [];
  console.log(`
  Articles demo is running:   ${demo.appUrl}

  Cognito emulator (demo):    ${demo.emulatorUrl}
    issuer                    ${demo.pool.issuer}
  Database                    ${redactDatabaseUrl(settings.databaseUrl)}

  Demo users (password for all: ${DEMO_PASSWORD}):
${users.map((u) => `    ${u.username.padEnd(10)} ${(u.groups ?? []).join(', ') || '(no groups)'}`).join('\n')}

  Press Ctrl+C to stop.
`);
  return () => demo.close();
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const stop = settings.mode === 'demo' ? await startDemoMode(settings) : await startReal(settings);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const inUse = (error as { code?: unknown })?.code === 'EADDRINUSE';
  console.error(
    `articles: ${message}${inUse ? ' (set PORT, or EMULATOR_PORT in demo mode, to use another port)' : ''}`,
  );
  process.exit(1);
});
