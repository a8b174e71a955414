/**
 * Test helpers: tokens from the emulator's real endpoints (the hosted sign-in form and
 * `/oauth2/token`), never minted by hand, so the tests exercise what a client really receives.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from 'cognito-code-grant/kysely';
import { hostedSignIn } from 'cognito-code-grant-emulator';
import { sql } from 'kysely';

export interface TokenSet {
  readonly access_token: string;
  readonly id_token?: string;
  readonly refresh_token?: string;
  readonly token_type: string;
  readonly expires_in: number;
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

async function tokenRequest(emulatorUrl: string, body: URLSearchParams, auth?: string): Promise<TokenSet> {
  const res = await fetch(`${emulatorUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth ? { authorization: auth } : {}),
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${text}`);
  return JSON.parse(text) as TokenSet;
}

/** An access token from the client-credentials grant. */
export async function clientCredentialsToken(
  emulatorUrl: string,
  client: { clientId: string; clientSecret: string },
  scope?: string,
): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope) body.set('scope', scope);
  return (await tokenRequest(emulatorUrl, body, basic(client.clientId, client.clientSecret))).access_token;
}

/**
 * Signs a user in through the emulator's hosted form (authorization-code grant, no browser):
 * authorize -> sign-in form -> POST credentials -> code at `redirectUri` -> token exchange.
 */
export async function passwordLogin(options: {
  emulatorUrl: string;
  client: { clientId: string; clientSecret: string };
  redirectUri: string;
  username: string;
  password: string;
  scope?: string;
}): Promise<TokenSet> {
  const authorize = new URL(`${options.emulatorUrl}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: options.client.clientId,
    redirect_uri: options.redirectUri,
    scope: options.scope ?? 'openid email profile articles/read articles/write',
    state: 'test-state',
  }).toString();
  const signedIn = await hostedSignIn({
    url: authorize.href,
    username: options.username,
    password: options.password,
  });
  if (!signedIn.code || !signedIn.location.startsWith(options.redirectUri)) {
    throw new Error(`sign-in did not return a code to the app (error ${signedIn.error ?? 'none'})`);
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: signedIn.code,
    redirect_uri: options.redirectUri,
  });
  return tokenRequest(options.emulatorUrl, body, basic(options.client.clientId, options.client.clientSecret));
}

/** A database for one test run: created fresh, dropped after. */
export interface Target {
  readonly url: string;
  drop(): Promise<void>;
}

async function serverDatabase(adminUrl: string, prefix: string): Promise<Target> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
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

function sqliteFile(prefix: string): Target {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    url: join(dir, 'articles.db'),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The three databases a test runs on: [name, open or undefined, skip reason]. SQLite always;
 * PostgreSQL and MariaDB when TEST_POSTGRES_URL / TEST_MYSQL_URL are set. `prefix` names the
 * databases this run creates, so that a leftover one says which test made it.
 */
export function databaseTargets(
  prefix: string,
): [string, (() => Promise<Target>) | undefined, string | undefined][] {
  const pg = process.env['TEST_POSTGRES_URL'];
  const my = process.env['TEST_MYSQL_URL'];
  return [
    ['sqlite', async () => sqliteFile(prefix), undefined],
    ['postgres', pg ? () => serverDatabase(pg, prefix) : undefined, 'TEST_POSTGRES_URL not set'],
    ['mysql', my ? () => serverDatabase(my, prefix) : undefined, 'TEST_MYSQL_URL not set'],
  ];
}

/**
 * The environment for a child process that a test starts with variables of its own: `env`, plus
 * PATH and NODE_OPTIONS from this process. NODE_OPTIONS carries the test network guard
 * (scripts/run-tests.mjs puts it there), so the child reaches loopback only, as the test does.
 */
export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    PATH: process.env['PATH'],
    NODE_OPTIONS: process.env['NODE_OPTIONS'],
    ...env,
  })) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}
