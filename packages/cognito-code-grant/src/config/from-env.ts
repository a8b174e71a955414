/**
 * `fromEnv()`: the whole configuration an app reads from its environment, validated once.
 * Only `COGNITO_USER_POOL_ID` and `COGNITO_CLIENT_ID` are required here; the login handlers
 * require `APP_URL` and (in cookie mode) `SESSION_SECRET` themselves when they are created.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { type PoolConfig, poolFromEnv } from './pool.ts';

export interface EnvConfig {
  readonly pool: PoolConfig;
  /** `APP_URL`: the app's public base URL, e.g. `https://app.example.com`. */
  readonly appUrl: string | undefined;
  /** `SESSION_SECRET`: one or several comma-separated secrets, the first one seals. Not enumerable. */
  readonly sessionSecrets: readonly string[] | undefined;
  /** `COGNITO_WEBHOOK_SECRET`: shared secret of the trigger forwarder. Not enumerable. */
  readonly webhookSecret: string | undefined;
  /** `DATABASE_URL`: `postgres://`, `mysql://` or a SQLite file path / `sqlite:` URL. */
  readonly databaseUrl: string | undefined;
}

export function fromEnv(env: Record<string, string | undefined> = process.env): EnvConfig {
  const pool = poolFromEnv(env);
  const opt = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const appUrl = opt('APP_URL');
  if (appUrl !== undefined && !/^https?:\/\//.test(appUrl)) {
    throw new CognitoAuthError('CONFIG_INVALID', 'APP_URL must be an absolute http(s) URL');
  }
  const secrets = opt('SESSION_SECRET')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const config = { pool, appUrl, databaseUrl: opt('DATABASE_URL') } as EnvConfig;
  Object.defineProperty(config, 'sessionSecrets', { value: secrets ? Object.freeze(secrets) : undefined });
  Object.defineProperty(config, 'webhookSecret', { value: opt('COGNITO_WEBHOOK_SECRET') });
  return Object.freeze(config);
}
