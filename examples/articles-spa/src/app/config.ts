/**
 * The runtime configuration the server hands the page at `/config.json` (see
 * `src/server/spa-server.ts`), turned into Amplify's. Read at load time, not at build time, so
 * one build serves the emulator and a real user pool.
 */
import type { ResourcesConfig } from 'aws-amplify';

export interface SpaConfig {
  /** `COGNITO_USER_POOL_ID`, e.g. `eu-west-1_AbC123xyz` (Amplify derives the region from it). */
  readonly userPoolId: string;
  /** A public app client (no secret): Amplify cannot compute a SECRET_HASH in the browser. */
  readonly userPoolClientId: string;
  /** The cognito-idp endpoint; set only for the emulator (Amplify's default is AWS's). */
  readonly userPoolEndpoint?: string | undefined;
  /** Base URL of the Articles API, e.g. `http://localhost:3000`. */
  readonly apiUrl: string;
}

export async function loadConfig(): Promise<SpaConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
  return (await res.json()) as SpaConfig;
}

export function amplifyConfig(config: SpaConfig): ResourcesConfig {
  return {
    Auth: {
      Cognito: {
        userPoolId: config.userPoolId,
        userPoolClientId: config.userPoolClientId,
        ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
        loginWith: { username: true },
        signUpVerificationMethod: 'code',
      },
    },
  };
}
