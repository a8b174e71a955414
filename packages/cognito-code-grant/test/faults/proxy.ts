/**
 * A TCP proxy the test controls, between a client under test and a real server (PostgreSQL,
 * MariaDB, Redis) on loopback. Faults:
 * - `reset()`: every open connection is torn down with a TCP RST (a server restart, a failover,
 *   `pg_terminate_backend`, a network blip) — in the middle of whatever query is running;
 * - `refuse()`: new connections are refused (nothing listens on the port) until `heal()`;
 * - `blackhole()`: connections stay open but no byte goes through in either direction, new ones
 *   included, until `heal()` (a network partition: the bytes wait, as TCP would retransmit them);
 * - `heal()`: back to a transparent proxy (the port stays the same).
 */
import { type AddressInfo, createServer, type Server, type Socket, connect } from 'node:net';

type Mode = 'pass' | 'blackhole' | 'refuse';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
}

export interface FaultProxy {
  readonly port: number;
  /** `host:port` of the proxy. */
  readonly address: string;
  /** Connections accepted so far (a reconnect shows up here). */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Rewrites `url`'s host and port to the proxy's. */
  url(url: string): string;
  reset(): void;
  refuse(): Promise<void>;
  blackhole(): void;
  heal(): Promise<void>;
  /** Resolves once `n` connections have been accepted in all. */
  waitForAccepted(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: Mode = 'pass';
  let accepted = 0;
  const pairs = new Set<Pair>();
  const waiters: { n: number; resolve: () => void }[] = [];

  const onConnection = (client: Socket) => {
    accepted++;
    for (const w of waiters.splice(0)) {
      if (accepted >= w.n) w.resolve();
      else waiters.push(w);
    }
    client.setNoDelay(true);
    const upstream = connect(target.port, target.host);
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'blackhole') {
      client.pause();
      upstream.pause();
    }
    const drop = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  };

  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  let server: Server | undefined = createServer(onConnection);
  const port = await listen(server, 0);

  const closeServer = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    // close() resolves once the open connections are gone: stop listening, then cut them.
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    resetAll();
    await closed;
  };

  const resetAll = () => {
    const all = [...pairs];
    pairs.clear();
    for (const { client, upstream } of all) {
      client.resetAndDestroy();
      upstream.destroy();
    }
  };

  return {
    port,
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    url(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    reset: resetAll,
    async refuse() {
      mode = 'refuse';
      await closeServer();
    },
    blackhole() {
      mode = 'blackhole';
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    async heal() {
      mode = 'pass';
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
      if (!server) {
        server = createServer(onConnection);
        await listen(server, port);
      }
    },
    waitForAccepted(n: number) {
      if (accepted >= n) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      await closeServer();
    },
  };
}

/** Host and port of a database or Redis URL. */
export function targetOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  const defaults: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'mysql:': 3306,
    'mariadb:': 3306,
    'redis:': 6379,
  };
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaults[u.protocol] || 0) };
}
