/**
 * The configuration check ("doctor"): compares what the app is configured with to what the
 * user pool publishes and, with AWS credentials, to the app client's settings, and names each
 * mismatch with its fix. `npx cognito-code-grant doctor` runs it from the environment.
 *
 * @example
 * const report = await checkConfiguration({ pool: poolFromEnv(), appUrl: process.env.APP_URL });
 * if (!report.ok) console.error(formatDoctorReport(report));
 */
import { hasAwsCredentials, importCognitoSdk, isLocalEndpoint } from '../aws/cognito-sdk.ts';
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import { checkAppClients } from './app-client.ts';
import { checkPool } from './pool-checks.ts';
import type { CognitoApiClient, DoctorFinding, DoctorOptions, DoctorReport } from './types.ts';

const DEFAULT_TIMEOUT_MS = 5000;

function option(condition: boolean, message: string): void {
  if (!condition) throw new CognitoAuthError('CONFIG_INVALID', message);
}

/** The Cognito API client and command factory, or why the app-client checks are skipped. */
async function cognitoApi(
  options: DoctorOptions,
): Promise<
  | { client: CognitoApiClient; describe: (input: object) => unknown; destroy: () => void }
  | { skipped: string }
> {
  if (options.cognito === null) return { skipped: 'the Cognito API checks were turned off (cognito: null)' };
  const env = options.env ?? process.env;
  const local = isLocalEndpoint(options.endpoint);
  if (options.cognito === undefined && !local && !hasAwsCredentials(env)) {
    return {
      skipped:
        'no AWS credentials: the app client settings (token revocation, secret, flows) were not read; the domain checks above still ran',
    };
  }
  let sdk: Awaited<ReturnType<typeof importCognitoSdk>>;
  try {
    sdk = await importCognitoSdk('to compare the app client (DescribeUserPoolClient)');
  } catch (error) {
    return { skipped: isCognitoAuthError(error) ? error.message : String(error) };
  }
  const describe = (input: object) => new sdk.DescribeUserPoolClientCommand(input as never);
  if (options.cognito !== undefined) return { client: options.cognito, describe, destroy: () => {} };
  const client = new sdk.CognitoIdentityProviderClient({
    region: options.pool.region,
    maxAttempts: 2,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // An emulator on this machine needs no AWS account.
    ...(local && !hasAwsCredentials(env)
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  return { client, describe, destroy: () => client.destroy() };
}

/**
 * Runs every check and resolves to the report (it never throws for what it finds; only for bad
 * options, `CONFIG_INVALID`). `report.ok` is false when any finding is a definite `mismatch`.
 */
export async function checkConfiguration(options: DoctorOptions): Promise<DoctorReport> {
  option(typeof options === 'object' && options !== null, 'doctor options must be an object');
  const { pool } = options;
  option(typeof pool?.issuer === 'string', 'pool must be a PoolConfig (definePool / poolFromEnv)');
  const appUrl = options.appUrl?.replace(/\/+$/, '');
  const prefix = options.prefix ?? '/auth';
  const scopes = options.scopes ?? ['openid', 'email', 'profile'];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  option(Number.isInteger(timeoutMs) && timeoutMs > 0, 'timeoutMs must be a positive integer');
  const callbackUrl = appUrl === undefined ? undefined : `${appUrl}${prefix}/callback`;
  const logoutUri = options.logoutUri ?? (appUrl === undefined ? undefined : `${appUrl}/`);

  const findings: DoctorFinding[] = [];
  const add = (finding: DoctorFinding) => {
    findings.push(Object.freeze({ ...finding }));
  };
  const context = { pool, callbackUrl, logoutUri, scopes };
  await checkPool({ ...context, fetch: options.fetch ?? globalThis.fetch, timeoutMs }, add);

  const api = await cognitoApi(options);
  if ('skipped' in api) {
    add({ check: 'client.api', status: 'skipped', message: api.skipped });
  } else {
    try {
      await checkAppClients(
        {
          ...context,
          client: api.client,
          describe: api.describe,
          browserLogin: pool.endpoints !== undefined,
        },
        add,
      );
    } finally {
      api.destroy();
    }
  }
  const mismatches = findings.filter((f) => f.status === 'mismatch');
  return Object.freeze({
    ok: mismatches.length === 0,
    findings: Object.freeze(findings),
    mismatches: Object.freeze(mismatches),
  });
}

const MARK: Record<DoctorFinding['status'], string> = {
  ok: 'ok  ',
  mismatch: 'FAIL',
  warning: 'warn',
  unreachable: '??  ',
  skipped: 'skip',
};

/** The report as text: one line per finding, its fix indented below. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = report.findings.map(
    (f) => `${MARK[f.status]} ${f.check}: ${f.message}${f.fix ? `\n       fix: ${f.fix}` : ''}`,
  );
  const summary = report.ok
    ? 'configuration matches the user pool'
    : `${report.mismatches.length} mismatch${report.mismatches.length === 1 ? '' : 'es'} with the user pool`;
  return `${lines.join('\n')}\n${summary}\n`;
}
