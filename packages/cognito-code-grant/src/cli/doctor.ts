/**
 * `cognito-code-grant doctor`: the configuration check over the environment the app reads
 * (`COGNITO_*`, `APP_URL`), printed one finding a line. Exit 1 on a mismatch.
 */
import { fromEnv } from '../config/from-env.ts';
import { checkConfiguration, formatDoctorReport } from '../doctor/doctor.ts';
import type { CliIo } from './main.ts';

export interface DoctorCommand {
  /** Cognito API endpoint (an emulator); default AWS's. */
  readonly endpoint?: string | undefined;
  /** Overrides `APP_URL`. */
  readonly appUrl?: string | undefined;
  /** The login routes' prefix. Default `/auth`. */
  readonly prefix?: string | undefined;
}

export async function doctorAction(cmd: DoctorCommand, io: CliIo): Promise<number> {
  const env = fromEnv(cmd.appUrl === undefined ? io.env : { ...io.env, APP_URL: cmd.appUrl });
  const report = await checkConfiguration({
    pool: env.pool,
    appUrl: env.appUrl,
    prefix: cmd.prefix,
    endpoint: cmd.endpoint,
    env: io.env,
  });
  const text = formatDoctorReport(report);
  if (report.ok) io.out(text);
  else io.err(text);
  return report.ok ? 0 : 1;
}
