/**
 * The PostgreSQL push channel: `LISTEN "<prefix>events"` on a dedicated connection (a pooled
 * one would be handed to other queries). The triggers of the `denied_origins` migration NOTIFY
 * every session rewrite or delete and every deny-list entry at commit. The connection is checked
 * with `SELECT 1` every `heartbeatMs`; an error, an end, or a missed answer is reported as
 * `down` at once, the connection is dropped and a new one is opened (with backoff).
 */
import type { ChannelDriver, ChannelSink } from '../../session/push.ts';

/** The part of a `pg.Client` the channel uses. */
export interface PgListenClient {
  connect?(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: unknown) => void): unknown;
  end(): Promise<unknown>;
}

export type PgListenOptions =
  | {
      /** A connection string: a `pg.Client` is opened with it (`pg` is loaded on first use). */
      readonly connectionString: string;
      readonly heartbeatMs?: number;
    }
  | {
      /** Opens a new, connected (or connectable) client each time the channel (re)connects. */
      readonly connect: () => Promise<PgListenClient>;
      readonly heartbeatMs?: number;
    };

async function openClient(options: PgListenOptions): Promise<PgListenClient> {
  if ('connect' in options) return options.connect();
  const pg = (await import('pg')) as unknown as { default?: typeof import('pg') } & typeof import('pg');
  const Client = (pg.default ?? pg).Client;
  const client = new Client({ connectionString: options.connectionString, keepAlive: true });
  await client.connect();
  return client as unknown as PgListenClient;
}

/** Quotes an identifier for LISTEN (the prefix is already restricted to [A-Za-z0-9_]). */
const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function pgChannel(channel: string, options: PgListenOptions): ChannelDriver {
  const heartbeatMs = options.heartbeatMs ?? 5000;
  let client: PgListenClient | undefined;
  let stopped = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let sink: ChannelSink;

  function drop(c: PgListenClient, error: unknown): void {
    if (client !== c) return;
    client = undefined;
    sink.down(error);
    c.end().catch(() => {});
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    retry = setTimeout(open, Math.min(2000, 25 * 2 ** attempt++));
    retry.unref();
  }

  async function open(): Promise<void> {
    if (stopped) return;
    let c: PgListenClient;
    try {
      c = await openClient(options);
    } catch (error) {
      sink.down(error);
      schedule();
      return;
    }
    if (stopped) {
      c.end().catch(() => {});
      return;
    }
    client = c;
    c.on('notification', (m) => {
      if (m.channel === channel && typeof m.payload === 'string') sink.message(m.payload);
    });
    c.on('error', (error) => drop(c, error));
    c.on('end', () => drop(c, new Error('PostgreSQL listen connection ended')));
    try {
      await c.query(`LISTEN ${quoted(channel)}`);
    } catch (error) {
      drop(c, error);
      return;
    }
    if (client !== c) return;
    attempt = 0;
    sink.up();
  }

  return {
    start(s) {
      sink = s;
      void open();
      heartbeat = setInterval(() => {
        const c = client;
        if (c === undefined) return;
        let answered = false;
        const timer = setTimeout(() => {
          if (!answered) drop(c, new Error('PostgreSQL listen connection did not answer'));
        }, heartbeatMs);
        timer.unref();
        c.query('SELECT 1').then(
          () => {
            answered = true;
            clearTimeout(timer);
          },
          (error: unknown) => {
            answered = true;
            clearTimeout(timer);
            drop(c, error);
          },
        );
      }, heartbeatMs);
      heartbeat.unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(heartbeat);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
