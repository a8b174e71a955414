/**
 * The database at start and in `/healthz`: one `select 1`, and a message an operator can act
 * on (which host, and why) instead of a migration error. Never prints the URL's password.
 */
import { type Kysely, sql } from 'kysely';

/** The URL without its password (`postgres://app:***@db:5432/app`). */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** `host:port` of a server database URL, or the file of a SQLite one. */
export function databaseTarget(url: string): string {
  if (/^(postgres(ql)?|mysql|mariadb):\/\//i.test(url)) {
    try {
      const { hostname, port, protocol } = new URL(url);
      const fallback = protocol.startsWith('postgres') ? '5432' : '3306';
      return `${hostname || 'localhost'}:${port || fallback}`;
    } catch {
      return '(unparsable URL)';
    }
  }
  return url.replace(/^sqlite:(\/\/)?/i, '');
}

/** The driver's reason: its code and message, and those of an AggregateError's parts (IPv4 and IPv6 tries). */
export function reasonOf(error: unknown): string {
  const seen = new Set<string>();
  const visit = (e: unknown, depth: number) => {
    if (e === null || typeof e !== 'object' || depth > 3) return;
    const { code, message, errors, cause } = e as {
      code?: unknown;
      message?: unknown;
      errors?: unknown;
      cause?: unknown;
    };
    const text = [typeof code === 'string' ? code : '', typeof message === 'string' ? message : '']
      .filter(Boolean)
      .join(' ');
    if (text !== '' && !/migration|driver has already/i.test(text)) seen.add(text);
    if (Array.isArray(errors)) for (const part of errors) visit(part, depth + 1);
    visit(cause, depth + 1);
  };
  visit(error, 0);
  return [...seen].join('; ') || String(error);
}

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/**
 * Runs `select 1`. Throws a DatabaseUnavailableError naming the host (or file) and the driver's
 * reason, e.g. "database 127.0.0.1:5432 (postgres://app:***@127.0.0.1/app) cannot be reached:
 * ECONNREFUSED connect ECONNREFUSED 127.0.0.1:5432".
 */
export async function checkDatabase(db: Kysely<any>, url: string): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    // A driver message may quote the URL (mysql2 does for some errors): strip any password.
    const reason = reasonOf(error).replaceAll(url, redactDatabaseUrl(url));
    throw new DatabaseUnavailableError(
      `database ${databaseTarget(url)} (${redactDatabaseUrl(url)}) cannot be reached: ${reason}`,
      { cause: error },
    );
  }
}

/** For `/healthz`: `{ ok }` and, when down, the driver's error code only (no host, no message). */
export async function databaseHealth(db: Kysely<any>): Promise<{ ok: boolean; error?: string }> {
  try {
    await sql`select 1`.execute(db);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    return { ok: false, error: typeof code === 'string' ? code : (error as Error)?.name || 'Error' };
  }
}
