/**
 * Reads the example's environment. Two modes:
 * - **demo** (no `COGNITO_*` variable set): the emulator runs in-process with its demo pool,
 *   SQLite under `.data/`, a random per-run session secret;
 * - **real** (`COGNITO_*` set): a real user pool; `APP_URL` and `SESSION_SECRET` are required.
 */
import { type EnvConfig, fromEnv } from 'cognito-code-grant';

export interface DemoSettings {
  readonly mode: 'demo';
  readonly port: number;
  readonly host: string;
  readonly emulatorPort: number;
  readonly databaseUrl: string;
  /** Set only when SESSION_SECRET was given. */
  readonly sessionSecrets: readonly string[] | undefined;
}

export interface RealSettings {
  readonly mode: 'real';
  readonly port: number;
  readonly host: string;
  readonly env: EnvConfig;
  readonly appUrl: string;
  readonly databaseUrl: string;
  readonly sessionSecrets: readonly string[];
}

export type Settings = DemoSettings | RealSettings;

export const DEFAULT_DATABASE_URL = '.data/articles.db';

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number`);
  return n;
}

/** Decides the mode and validates the variables it needs; throws naming the bad variable. */
export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  const host = env['HOST']?.trim() || 'localhost';
  const appPort = port('PORT', env['PORT'], 3000);
  const anyCognito = Object.keys(env).some((k) => k.startsWith('COGNITO_') && env[k]?.trim());
  const secrets = env['SESSION_SECRET']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!anyCognito) {
    return Object.freeze({
      mode: 'demo',
      port: appPort,
      host,
      emulatorPort: port('EMULATOR_PORT', env['EMULATOR_PORT'], 9230),
      databaseUrl: env['DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL,
      sessionSecrets: secrets && secrets.length > 0 ? secrets : undefined,
    });
  }
  const config = fromEnv(env);
  if (config.appUrl === undefined) throw new Error('APP_URL is not set (the public URL of this app)');
  if (config.sessionSecrets === undefined || config.sessionSecrets.length === 0) {
    throw new Error('SESSION_SECRET is not set (32+ random bytes; several comma-separated to rotate)');
  }
  return Object.freeze({
    mode: 'real',
    port: appPort,
    host: env['HOST']?.trim() || '0.0.0.0',
    env: config,
    appUrl: config.appUrl,
    databaseUrl: config.databaseUrl ?? DEFAULT_DATABASE_URL,
    sessionSecrets: config.sessionSecrets,
  });
}
