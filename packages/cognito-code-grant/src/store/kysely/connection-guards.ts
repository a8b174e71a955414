/**
 * Connection-life guards for the pools `createDatabase()` opens (issue 18):
 * - every connection carries an `'error'` listener for its whole life, idle or checked out (pg-pool
 *   removes its own while a client is in use and Kysely adds none, so a reset during a query was
 *   an unhandled `'error'` event and the process exited). A lost connection fails the calls in
 *   flight, is reported once, and is dropped; the pool opens a new one when next needed;
 * - every query has a deadline: when it passes, the call fails and the connection is closed (a
 *   partitioned connection would otherwise be handed out again and hang the next caller);
 * - taking a connection from the pool has a deadline too.
 */
import { deadlineError, withDeadline } from '../../util/deadline.ts';

export interface GuardOptions {
  /** Milliseconds a query may take before the call fails and its connection is closed; 0: none. */
  readonly queryTimeoutMs: number;
  /** Milliseconds to open a connection or wait for a free one; 0: none. */
  readonly connectTimeoutMs: number;
  /** Told once per lost connection. */
  readonly report: (error: Error) => void;
}

// --- PostgreSQL (pg) --------------------------------------------------------------------------

/** The parts of a pg client this file touches. */
interface PgClient {
  query(...args: unknown[]): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void> | void;
  release(error?: Error | boolean): void;
  readonly connection?: { readonly stream?: { destroy(): void } };
}

interface PgPool {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'connect', listener: (client: PgClient) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Closes a client now, even when its server no longer answers (a partition). */
function closePgClient(client: PgClient): void {
  // end() marks the client as ending (pg-pool then drops it on release, and the close is not
  // reported as an error); destroying the socket frees it without waiting for the server.
  Promise.resolve(client.end()).catch(() => {});
  client.connection?.stream?.destroy();
}

/**
 * Wraps a pg Pool for Kysely's PostgresDialect: error listener on every client from its first
 * connect, and a deadline on every promise-returning query. Returns what PostgresDialect needs.
 */
export function guardPgPool(pool: PgPool, options: GuardOptions): Pick<PgPool, 'connect' | 'end'> {
  const guarded = new WeakSet<PgClient>();
  pool.on('connect', (client) => {
    // Permanent: pg-pool's own idle listener is removed while the client is checked out.
    client.on('error', (error) => options.report(error));
  });
  // pg-pool re-emits an idle client's error here; it was reported by the client's own listener.
  pool.on('error', () => {});
  const guard = (client: PgClient) => {
    if (guarded.has(client) || !(options.queryTimeoutMs > 0)) return;
    guarded.add(client);
    const query = client.query.bind(client);
    client.query = (...args: unknown[]) => {
      const result = query(...args);
      if (!(result instanceof Promise)) return result;
      return withDeadline(result, options.queryTimeoutMs, 'database query', () => closePgClient(client));
    };
  };
  return {
    async connect() {
      const client = await pool.connect();
      guard(client);
      return client;
    },
    end: () => pool.end(),
  };
}

// --- MySQL / MariaDB (mysql2) -----------------------------------------------------------------

type Callback = (error: Error | null, result?: unknown) => void;

interface MysqlConnection {
  query(sql: unknown, values?: unknown, callback?: Callback): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
  release(): void;
}

interface MysqlPool {
  getConnection(callback: (error: Error | null, connection?: MysqlConnection) => void): void;
  end(callback?: (error?: Error | null) => void): void;
  on(event: 'connection', listener: (connection: MysqlConnection) => void): unknown;
}

/**
 * Wraps a mysql2 (callback) pool for Kysely's MysqlDialect: error listener on every connection
 * from its creation, a deadline on taking a connection and on every callback query (on expiry
 * the connection is destroyed, which also removes it from the pool).
 */
export function guardMysqlPool(
  pool: MysqlPool,
  options: GuardOptions,
): Pick<MysqlPool, 'getConnection' | 'end'> {
  const guarded = new WeakSet<MysqlConnection>();
  pool.on('connection', (connection) => {
    // mysql2's pool listens with once(): a second error on the same connection would be unhandled.
    connection.on('error', (error) => options.report(error));
  });
  const guard = (connection: MysqlConnection) => {
    if (guarded.has(connection) || !(options.queryTimeoutMs > 0)) return;
    guarded.add(connection);
    const query = connection.query.bind(connection);
    connection.query = (sql: unknown, values?: unknown, callback?: Callback) => {
      if (typeof callback !== 'function') return query(sql, values, callback);
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        connection.destroy();
        callback(deadlineError('database query', options.queryTimeoutMs));
      }, options.queryTimeoutMs);
      return query(sql, values, (error, result) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        callback(error, result);
      });
    };
  };
  return {
    getConnection(callback) {
      let done = false;
      const timer =
        options.connectTimeoutMs > 0
          ? setTimeout(() => {
              if (done) return;
              done = true;
              callback(deadlineError('database connection', options.connectTimeoutMs));
            }, options.connectTimeoutMs)
          : undefined;
      pool.getConnection((error, connection) => {
        clearTimeout(timer);
        if (done) {
          // The caller gave up waiting: hand the late connection straight back.
          connection?.release();
          return;
        }
        done = true;
        if (connection) guard(connection);
        callback(error, connection);
      });
    },
    end: (callback) => pool.end(callback),
  };
}
