/**
 * The optional AWS SDK (`@aws-sdk/client-cognito-identity-provider`), loaded only by the
 * commands that call Cognito's API (sync, the configuration check). Missing, it is the same
 * friendly error as a missing database driver (store/kysely/database.ts).
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { isLoopbackHost } from '../config/endpoints.ts';

export const COGNITO_SDK = '@aws-sdk/client-cognito-identity-provider';

export type CognitoSdk = typeof import('@aws-sdk/client-cognito-identity-provider');

/**
 * Imports the SDK. Throws `CONFIG_INVALID` naming the package and what needs it when it is not
 * installed, worded as a missing database driver is (`the "pg" package is required for ...`).
 */
export async function importCognitoSdk(purpose: string): Promise<CognitoSdk> {
  try {
    return (await import(COGNITO_SDK)) as CognitoSdk;
  } catch (cause) {
    throw new CognitoAuthError('CONFIG_INVALID', `the "${COGNITO_SDK}" package is required ${purpose}`, {
      cause,
    });
  }
}

/** True when AWS credentials are likely available from `env` (keys, a profile, web identity, a container role). */
export function hasAwsCredentials(env: Readonly<Record<string, string | undefined>>): boolean {
  return [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ].some((name) => (env[name] ?? '') !== '');
}

/** True for an API endpoint on this machine (an emulator), which needs no real credentials. */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  try {
    return isLoopbackHost(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}
