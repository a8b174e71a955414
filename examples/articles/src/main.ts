/**
 * `npm start`: the one command.
 * - No `COGNITO_*` variable set: starts the Cognito emulator (demo pool and users) and the app on
 *   SQLite (`.data/articles.db`), and prints the URL and the demo users' passwords.
 * - `COGNITO_*`, `APP_URL`, `SESSION_SECRET` (and usually `DATABASE_URL`) set: a real user pool
 *   and database, no emulator. See `.env.example`. The configuration is checked against the pool
 *   first (the library's `checkConfiguration`); a mismatch stops the start unless
 *   `--ignore-config-check` or `IGNORE_CONFIG_CHECK=true` is given.
 * The single-page app (`examples/articles-spa`, built with Vite on start when its build is missing
 * or stale) is served on its own port: always in demo mode, with a real pool when `SPA_CLIENT_ID`
 * is set (see `spa-settings.ts`).
 * Stops cleanly on SIGINT / SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { buildSpa, createSpaServer, DEFAULT_SPA_DIR, isSpaBuildCurrent } from 'articles-spa-example/server';
import { checkConfiguration, formatDoctorReport, webhookSecretsFromEnv } from 'cognito-code-grant';
import { createDatabase } from 'cognito-code-grant/kysely';
import { DEMO_PASSWORD, demoSeed } from 'cognito-code-grant-emulator';
import { createApp } from './app.ts';
import { checkDatabase, redactDatabaseUrl } from './database-check.ts';
import { startDemo } from './demo.ts';
import { readSettings, type Settings } from './env.ts';
import { type CorsAndSpaSettings, readSpaSettings } from './spa-settings.ts';

/** Builds the single-page app when its build is missing or older than its sources. */
async function spaBuild(): Promise<string> {
  if (!isSpaBuildCurrent()) {
    console.log('Building the single-page app (Vite) into examples/articles-spa/dist ...');
    await buildSpa();
  }
  return DEFAULT_SPA_DIR;
}

/** Serves the SPA (real pool) on its port; returns its closer. */
async function startSpa(
  spa: NonNullable<CorsAndSpaSettings['spa']>,
  host: string,
  config: { userPoolId: string; userPoolClientId: string; apiUrl: string },
): Promise<() => Promise<void>> {
  const server = createServer(createSpaServer({ dir: await spaBuild(), config }));
  await new Promise<void>((done, fail) => server.once('error', fail).listen(spa.port, host, done));
  const bound = server.address() as AddressInfo;
  console.log(`Single-page app is listening on ${bound.address}:${bound.port}; public URL ${spa.url}`);
  return () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
}

function ensureSqliteFolder(url: string): void {
  if (/^(postgres(ql)?|mysql|mariadb):\/\//i.test(url) || url.includes(':memory:')) return;
  const path = url.replace(/^sqlite:(\/\/)?/i, '');
  mkdirSync(dirname(resolve(path)), { recursive: true });
}

/** `npm start -- --ignore-config-check` or IGNORE_CONFIG_CHECK=true: start despite a mismatch. */
function ignoreConfigCheck(): boolean {
  return (
    process.argv.includes('--ignore-config-check') ||
    /^(1|true)$/i.test(process.env['IGNORE_CONFIG_CHECK'] ?? '')
  );
}

/**
 * The library's configuration check against the real pool: prints what is not right and refuses
 * to start on a definite mismatch (sign-ins would fail with a 400 page and nothing in the log).
 */
async function checkPoolConfiguration(settings: Extract<Settings, { mode: 'real' }>): Promise<void> {
  const report = await checkConfiguration({ pool: settings.env.pool, appUrl: settings.appUrl });
  const notOk = report.findings.filter((f) => f.status !== 'ok');
  if (notOk.length > 0) console.warn(formatDoctorReport({ ...report, findings: notOk }).trimEnd());
  if (report.ok) return;
  if (ignoreConfigCheck()) {
    console.warn('articles: starting anyway (--ignore-config-check / IGNORE_CONFIG_CHECK)');
    return;
  }
  throw new Error(
    'the configuration does not match the user pool (see above); fix it, or start anyway with --ignore-config-check or IGNORE_CONFIG_CHECK=true',
  );
}

async function startReal(settings: Extract<Settings, { mode: 'real' }>): Promise<() => Promise<void>> {
  await checkPoolConfiguration(settings);
  const cors = readSpaSettings(process.env, { mode: 'real', apiClientIds: settings.env.pool.clientIds });
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
    corsOrigins: cors.corsOrigins,
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
  if (cors.corsOrigins.length > 0)
    console.log(`CORS: /api/* answers pages on ${cors.corsOrigins.join(', ')}`);
  const stopSpa = cors.spa
    ? await startSpa(cors.spa, settings.host, {
        userPoolId: settings.env.pool.userPoolId,
        userPoolClientId: cors.spa.clientId!,
        apiUrl: settings.appUrl,
      })
    : undefined;
  return async () => {
    await stopSpa?.();
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeIdleConnections();
    });
    await db.destroy();
  };
}

async function startDemoMode(settings: Extract<Settings, { mode: 'demo' }>): Promise<() => Promise<void>> {
  const cors = readSpaSettings(process.env, { mode: 'demo', host: settings.host });
  const spaDir = await spaBuild();
  ensureSqliteFolder(settings.databaseUrl);
  const demo = await startDemo({
    port: settings.port,
    emulatorPort: settings.emulatorPort,
    host: settings.host,
    databaseUrl: settings.databaseUrl,
    sessionSecrets: settings.sessionSecrets,
    spa: cors.spa ? { port: cors.spa.port, dir: spaDir } : undefined,
    corsOrigins: cors.corsOrigins,
  });
  if (demo.generatedSessionSecret) {
    console.warn('warning: SESSION_SECRET is not set; using a random one for this run (development only).');
  }
  const users = demoSeed.pools[0]?.users ?? [];
  console.log(`
  Articles demo is running:   ${demo.appUrl}
  Single-page app (Amplify):  ${demo.spaUrl}

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
    `articles: ${message}${inUse ? ' (set PORT, SPA_PORT, or EMULATOR_PORT in demo mode, to use another port)' : ''}`,
  );
  process.exit(1);
});
