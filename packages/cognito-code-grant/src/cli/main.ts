/**
 * `cognito-code-grant` command line: `migrate`, `sync` and `doctor`. Each command is an exported action over
 * the library API, so it can be called (and tested) without spawning a process.
 */
import { parseArgs } from 'node:util';
import { isCognitoAuthError } from '../errors/errors.ts';
import { importCognitoSdk } from '../aws/cognito-sdk.ts';
import { doctorAction } from './doctor.ts';
import { progressFrame, progressLine } from './progress.ts';
import { createDatabase } from '../store/kysely/database.ts';
import { migrate } from '../store/kysely/migrations/index.ts';
import type { SyncProgress, SyncReport } from '../sync/sync.ts';
import { syncPool } from '../sync/index.ts';

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress bar instead of log lines. */
  readonly isTTY: boolean;
}

export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

const USAGE = `Usage:
  cognito-code-grant migrate [--database-url URL] [--table-prefix PREFIX]
  cognito-code-grant sync --user-pool-id ID [--endpoint URL] [--region R]
                          [--database-url URL] [--table-prefix PREFIX] [--dry-run] [--batch-size N]
                          [--allow-mass-delete] [--max-delete-ratio R]
      refuses (exit 1, nothing deleted) to delete more than R (default 0.5) of the known users
      in one run: a wrong pool id or IAM policy looks like a pool that lost its users;
      --allow-mass-delete when the loss is real

  cognito-code-grant doctor [--app-url URL] [--prefix /auth] [--endpoint URL]
      checks COGNITO_* and APP_URL against the user pool (discovery, keys, domain) and, with
      AWS credentials, the app client (DescribeUserPoolClient); exit 1 on a mismatch

Environment: DATABASE_URL, COGNITO_USER_POOL_ID, AWS credentials and region as usual.
Database URLs: sqlite:./app.db, postgres://..., mysql://... (mariadb://...).
Exit codes: 0 success, 1 failure, 2 usage error.
`;

class UsageError extends Error {}

/** Hides the password of a database URL before it is printed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export interface MigrateCommand {
  readonly databaseUrl: string;
  readonly tablePrefix?: string | undefined;
}

/** `migrate`: applies pending migrations and prints their names. */
export async function migrateAction(cmd: MigrateCommand, io: CliIo): Promise<number> {
  // No query deadline: DDL on a large table, or waiting for another instance's migration lock,
  // may take longer than a request would.
  const db = await createDatabase(cmd.databaseUrl, { poolSize: 1, queryTimeoutMs: 0 });
  try {
    const result = await migrate(db, { tablePrefix: cmd.tablePrefix });
    if (result.applied.length === 0) io.out('schema is up to date\n');
    for (const name of result.applied) io.out(`applied ${name}\n`);
    return EXIT.ok;
  } finally {
    await db.destroy();
  }
}

export interface SyncCommand {
  readonly databaseUrl: string;
  readonly userPoolId: string;
  readonly tablePrefix?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly dryRun?: boolean | undefined;
  readonly batchSize?: number | undefined;
  readonly allowMassDelete?: boolean | undefined;
  readonly maxDeleteRatio?: number | undefined;
}

function progressBar(io: CliIo): (p: SyncProgress) => void {
  let last = '';
  return (p) => {
    const line = io.isTTY ? progressFrame(p) : progressLine(p);
    if (line !== last) io.out(line);
    last = line;
    if (io.isTTY && p.phase === 'done') io.out('\n');
  };
}

function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '127.0.0.1' || h === '[::1]';
  } catch {
    return false;
  }
}

/** The report; `peakRssMb`: the process's peak resident memory, for sizing a container. */
export function formatReport(r: SyncReport, peakRssMb?: number): string {
  const rows: [string, number][] = [
    ['created', r.created],
    ['updated', r.updated],
    ['disabled', r.disabled],
    ['enabled', r.enabled],
    ['deleted', r.deleted],
    ['groups created', r.groupsCreated],
    ['groups deleted', r.groupsDeleted],
    ['memberships added', r.membershipsAdded],
    ['memberships removed', r.membershipsRemoved],
    ['unchanged', r.unchanged],
  ];
  const head = r.dryRun ? 'dry run: nothing written; would apply' : 'applied';
  const memory = peakRssMb === undefined ? '' : `, peak RSS ${Math.round(peakRssMb)} MB`;
  return `${head} (${r.usersSeen} users seen, ${r.durationMs} ms, ${r.retries} throttling retries${memory}):\n${rows.map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join('\n')}\n`;
}

/** `sync`: migrates if needed, then reconciles the replica with the pool and prints the report. */
export async function syncAction(cmd: SyncCommand, io: CliIo): Promise<number> {
  const db = await createDatabase(cmd.databaseUrl);
  try {
    await migrate(db, { tablePrefix: cmd.tablePrefix });
    let client: { send(c: unknown): Promise<any>; destroy(): void } | undefined;
    // Against a local emulator no AWS account is needed: dummy credentials when none are set.
    if (cmd.endpoint && isLoopback(cmd.endpoint) && !io.env.AWS_ACCESS_KEY_ID && !io.env.AWS_PROFILE) {
      const sdk = await importCognitoSdk('for the sync');
      client = new sdk.CognitoIdentityProviderClient({
        region: cmd.region ?? cmd.userPoolId.split('_')[0] ?? 'us-east-1',
        endpoint: cmd.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
    }
    try {
      const report = await syncPool({
        db,
        tablePrefix: cmd.tablePrefix,
        userPoolId: cmd.userPoolId,
        ...(client ? { client } : {}),
        ...(cmd.endpoint ? { endpoint: cmd.endpoint } : {}),
        ...(cmd.region ? { region: cmd.region } : {}),
        dryRun: cmd.dryRun === true,
        ...(cmd.batchSize ? { batchSize: cmd.batchSize } : {}),
        allowMassDelete: cmd.allowMassDelete === true,
        ...(cmd.maxDeleteRatio !== undefined ? { maxDeleteRatio: cmd.maxDeleteRatio } : {}),
        onProgress: progressBar(io),
      });
      // maxRSS: the kernel's high-water mark of this process, in KiB.
      io.out(formatReport(report, process.resourceUsage().maxRSS / 1024));
      return EXIT.ok;
    } finally {
      client?.destroy();
    }
  } finally {
    await db.destroy();
  }
}

/** Parses argv (without `node` and the script) and runs the command. Resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.out(USAGE);
      return command ? EXIT.ok : EXIT.usage;
    }
    const { values } = parseArgs({
      args: [...rest],
      strict: true,
      options: {
        'database-url': { type: 'string' },
        'table-prefix': { type: 'string' },
        'user-pool-id': { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string' },
        'allow-mass-delete': { type: 'boolean' },
        'max-delete-ratio': { type: 'string' },
        'app-url': { type: 'string' },
        prefix: { type: 'string' },
      },
    });
    if (command === 'doctor') {
      return await doctorAction(
        { endpoint: values.endpoint, appUrl: values['app-url'], prefix: values.prefix },
        io,
      );
    }
    if (command !== 'migrate' && command !== 'sync') throw new UsageError(`unknown command: ${command}`);
    const databaseUrl = values['database-url'] ?? io.env.DATABASE_URL;
    if (!databaseUrl) throw new UsageError('--database-url or DATABASE_URL is required');
    if (command === 'migrate') {
      return await migrateAction({ databaseUrl, tablePrefix: values['table-prefix'] }, io);
    }
    if (command === 'sync') {
      const userPoolId = values['user-pool-id'] ?? io.env.COGNITO_USER_POOL_ID;
      if (!userPoolId) throw new UsageError('--user-pool-id or COGNITO_USER_POOL_ID is required');
      const batch = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
      if (batch !== undefined && (!Number.isInteger(batch) || batch < 1))
        throw new UsageError('--batch-size must be a positive integer');
      const ratioArg = values['max-delete-ratio'];
      const ratio = ratioArg === undefined ? undefined : Number(ratioArg);
      if (ratio !== undefined && (ratioArg?.trim() === '' || !(ratio >= 0 && ratio <= 1)))
        throw new UsageError('--max-delete-ratio must be a number from 0 to 1');
      return await syncAction(
        {
          databaseUrl,
          userPoolId,
          tablePrefix: values['table-prefix'],
          endpoint: values.endpoint,
          region: values.region ?? io.env.AWS_REGION,
          dryRun: values['dry-run'],
          batchSize: batch,
          allowMassDelete: values['allow-mass-delete'],
          maxDeleteRatio: ratio,
        },
        io,
      );
    }
    throw new UsageError(`unknown command: ${command}`);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (isCognitoAuthError(error)) {
      const cause = error.cause as { name?: string; code?: string; message?: string } | undefined;
      const detail = cause
        ? ` (${cause.code ?? cause.name ?? 'error'}${cause.message ? `: ${cause.message}` : ''})`
        : '';
      io.err(`error ${error.code}: ${error.message}${detail}\n`);
    } else {
      io.err(`error: ${(error as Error)?.message ?? String(error)}\n`);
    }
    return EXIT.failed;
  }
}

/** The process entry used by bin/cognito-code-grant.mjs. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  });
}
