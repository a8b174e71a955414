/**
 * The configuration check's public types: what it is given and what it reports. Each finding
 * names what was compared, what was found and, for a problem, the fix.
 */
import type { PoolConfig } from '../config/pool.ts';

/**
 * - `ok`: checked and as configured;
 * - `mismatch`: definitely wrong (the app cannot work as configured): the Articles app refuses to start;
 * - `warning`: probably wrong, or risky, but the app can work;
 * - `unreachable`: could not be checked (network, timeout, AWS API error);
 * - `skipped`: not checked (no AWS credentials, no `appUrl`, ...).
 */
export type FindingStatus = 'ok' | 'mismatch' | 'warning' | 'unreachable' | 'skipped';

export interface DoctorFinding {
  /** Stable id, e.g. `discovery.issuer`, `client.callback-url`. */
  readonly check: string;
  readonly status: FindingStatus;
  /** What was found, in one sentence. Never a secret. */
  readonly message: string;
  /** What to change, for `mismatch` and `warning`. */
  readonly fix?: string | undefined;
}

export interface DoctorReport {
  /** False when any finding is a `mismatch`. */
  readonly ok: boolean;
  readonly findings: readonly DoctorFinding[];
  readonly mismatches: readonly DoctorFinding[];
}

/** The slice of the AWS SDK v3 `CognitoIdentityProviderClient` the doctor uses. */
export interface CognitoApiClient {
  send(command: unknown): Promise<any>;
}

export interface DoctorOptions {
  /** The pool as the app configures it (`definePool` / `poolFromEnv`). */
  readonly pool: PoolConfig;
  /** `APP_URL`: enables the callback and sign-out URL checks. */
  readonly appUrl?: string | undefined;
  /** The login routes' prefix (`createCognitoLogin`'s `prefix`). Default `/auth`. */
  readonly prefix?: string | undefined;
  /** The `logout_uri` the app sends. Default `${appUrl}/`. */
  readonly logoutUri?: string | undefined;
  /** The scopes the login requests. Default `openid email profile`. */
  readonly scopes?: readonly string[] | undefined;
  /** Injected fetch (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Per request. Default 5000 ms. */
  readonly timeoutMs?: number | undefined;
  /**
   * The Cognito API client for the app-client checks (`DescribeUserPoolClient`). Default: one
   * made from `@aws-sdk/client-cognito-identity-provider` when AWS credentials are in `env`;
   * `null` skips those checks.
   */
  readonly cognito?: CognitoApiClient | null | undefined;
  /** Cognito API endpoint for the default client (an emulator). */
  readonly endpoint?: string | undefined;
  /** Where AWS credentials are looked for. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}
