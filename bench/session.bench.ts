/**
 * Throughput of a session-authenticated JSON route on Fastify, as ratios against the same route
 * without auth, measured in the same run: in each round every contender runs next to a
 * baseline run (the order alternating from round to round) that sends the same requests (same
 * Cookie headers) to the route without auth, and its ratio is the median over rounds of
 * contender / adjacent baseline:
 * - cookie mode (tokens sealed in the cookie): target >= 0.7x;
 * - store mode on Redis (TEST_REDIS_URL) and on PostgreSQL (TEST_POSTGRES_URL) with push
 *   invalidation (Redis `push: true`, PostgreSQL `listen`: a served session is kept in memory
 *   until the store's channel announces a change): target >= 0.85x at 100 connections and
 *   >= 0.7x at 10 (issue 17);
 * - the same stores without a channel (the store is read on every request): target >= 0.5x;
 * - the same stores with the opt-in `revalidateAfterMs: 1000` (a process trusts its own read of a
 *   session for up to a second): reported for comparison, labelled as such, no target;
 * - store mode on the in-process memory store (no network): the library's own cost, no target.
 * Concurrency: 100 connections (as Fastify's own benchmarks use), enough to keep the server busy,
 * so that req/s measures the server's capacity. The network stores are also run at 10 connections
 * and reported without a target: there the server waits on each store round trip with nothing
 * else to do (about 40% idle on PostgreSQL), so those figures measure latency, not the cost of the
 * session work.
 * The server runs in a child process (this file, with CCG_SESSION_BENCH_SERVER set) so that
 * autocannon and the server do not share one event loop. Each contender has a Fastify server of
 * its own with only its authenticator; the baseline server has no plugin at all. Each contender
 * signs in SESSIONS users through the real login and callback handlers (against an in-process
 * fake of Cognito's token endpoint), and requests rotate over them, as many users' would.
 * Run alone: `node --conditions=ccg-source --import tsx bench/session.bench.ts`
 * Environment: CCG_SESSION_BENCH_ONLY=cookie,postgres (some contenders), CCG_SESSION_BENCH_ROUNDS,
 * CCG_SESSION_BENCH_SECONDS, CCG_SESSION_BENCH_CONNECTIONS (default 100);
 * CCG_SESSION_BENCH_CPU_PROF=<dir> writes the server's .cpuprofile.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchRow, pairedRatios, ratioRow } from './lib.ts';

const DURATION_S = Number(process.env['CCG_SESSION_BENCH_SECONDS'] ?? 2);
const ROUNDS = Number(process.env['CCG_SESSION_BENCH_ROUNDS'] ?? 5);
/** Comma-separated contenders to run (for profiling one mode); default all. */
const ONLY = process.env['CCG_SESSION_BENCH_ONLY']?.split(',');
const CONNECTIONS = Number(process.env['CCG_SESSION_BENCH_CONNECTIONS'] ?? 100);
/** The second, latency-bound pass of the network stores (no target). */
const FEW_CONNECTIONS = 10;
const FEW_CONNECTION_CONTENDERS: readonly Contender[] = ['redis', 'postgres', 'redisPush', 'postgresPush'];
/** The server's PostgreSQL pool (pg's default size). */
const PG_POOL_SIZE = 10;
/** Signed-in sessions per contender; requests rotate over them. */
const SESSIONS = 64;
const APP = 'https://app.example.test';
const SECRET = randomBytes(48).toString('base64url');

type Contender =
  | 'cookie'
  | 'memory'
  | 'redis'
  | 'postgres'
  | 'redisPush'
  | 'postgresPush'
  | 'redis1s'
  | 'postgres1s';
const REVALIDATE_MS = 1000;

// ---------------------------------------------------------------- server (child process)

async function serve(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { cognito } = await import('cognito-code-grant/fastify');
  const { createCognitoLogin } = await import('cognito-code-grant');
  const { createFakeCognito } = await import('../packages/cognito-code-grant/test/login/fake-cognito.ts');
  const fake = createFakeCognito({ now: Date.now });
  const cleanups: (() => Promise<void>)[] = [];
  type Login = ReturnType<typeof createCognitoLogin>;
  const logins: Partial<Record<Contender, Login>> = {};
  const make = (cookieName: string, session: Parameters<typeof createCognitoLogin>[0]['session']) =>
    createCognitoLogin({ pool: fake.pool, appUrl: APP, session, fetch: fake.fetch, cookieName });

  logins.cookie = make('bench-cookie', { mode: 'cookie', secrets: [SECRET] });
  const { createMemorySessionStore } = await import('cognito-code-grant');
  logins.memory = make('bench-memory', {
    mode: 'store',
    store: createMemorySessionStore(),
    secrets: [SECRET],
  });

  const redisUrl = process.env['TEST_REDIS_URL'];
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    const { createRedisSessionStore } = await import('cognito-code-grant/redis');
    const redis = new Redis(redisUrl);
    const prefix = `ccgbench:${randomBytes(4).toString('hex')}:`;
    const store = createRedisSessionStore(redis, { prefix });
    logins.redis = make('bench-redis', { mode: 'store', store, secrets: [SECRET] });
    logins.redis1s = make('bench-cached-rds', {
      mode: 'store',
      store,
      secrets: [SECRET],
      revalidateAfterMs: REVALIDATE_MS,
    });
    const pushPrefix = `ccgbench:${randomBytes(4).toString('hex')}:`;
    const pushStore = createRedisSessionStore(redis, { prefix: pushPrefix, push: true });
    logins.redisPush = make('bench-push-rds', { mode: 'store', store: pushStore, secrets: [SECRET] });
    cleanups.push(async () => {
      await pushStore.closeChannel();
      for (const p of [prefix, pushPrefix]) {
        const keys = await redis.keys(`${p}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      await redis.quit();
    });
  }

  const pgUrl = process.env['TEST_POSTGRES_URL'];
  if (pgUrl) {
    const { Kysely, PostgresDialect } = await import('kysely');
    const { default: pg } = await import('pg');
    const { createSqlSessionStore, migrate } = await import('cognito-code-grant/kysely');
    const schema = `ccg_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: pgUrl, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const pool = new pg.Pool({
      connectionString: pgUrl,
      max: PG_POOL_SIZE,
      options: `-c search_path=${schema}`,
    });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    // A prefix of its own: NOTIFY channels are per database, not per schema.
    const tablePrefix = `b${randomBytes(4).toString('hex')}_`;
    await migrate(db, { tablePrefix });
    const store = createSqlSessionStore(db, { tablePrefix });
    const pushStore = createSqlSessionStore(db, { tablePrefix, listen: { connectionString: pgUrl } });
    logins.postgresPush = make('bench-push-pg', { mode: 'store', store: pushStore, secrets: [SECRET] });
    logins.postgres = make('bench-pg', { mode: 'store', store, secrets: [SECRET] });
    logins.postgres1s = make('bench-cached-pg', {
      mode: 'store',
      store,
      secrets: [SECRET],
      revalidateAfterMs: REVALIDATE_MS,
    });
    cleanups.push(async () => {
      await pushStore.closeChannel();
      await db.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });
  }

  // Sign in SESSIONS times per mode through the real handlers; the Cookie header is what a
  // browser sends. Requests rotate over the sessions, as they would over many users.
  const cookies: Partial<Record<Contender, string[]>> = {};
  for (const [name, login] of Object.entries(logins) as [Contender, Login][]) {
    const route = (path: string) => login.routes.find((r) => r.path === path)!;
    const list: string[] = [];
    for (let n = 0; n < SESSIONS; n++) {
      const start = await route('/auth/login').handle(new Request(`${APP}/auth/login`));
      const loginCookie = start.headers.getSetCookie()[0]!.split(';')[0]!;
      const { code, state } = fake.authorize(start.headers.get('location')!, {
        username: `bench-${name}-${n}`,
      });
      const done = await route('/auth/callback').handle(
        new Request(`${APP}/auth/callback?code=${code}&state=${state}`, { headers: { cookie: loginCookie } }),
      );
      list.push(
        done.headers
          .getSetCookie()
          .filter((c) => !c.includes('Max-Age=0'))
          .map((c) => c.split(';')[0]!)
          .join('; '),
      );
    }
    cookies[name] = list;
  }

  // One server per contender, each with only its own authenticator, and a baseline server
  // without the plugin at all: no contender pays for another's hook.
  const ports: Partial<Record<Contender | 'bare', number>> = {};
  const servers: { close(): Promise<unknown> }[] = [];
  const listen = async (app: ReturnType<typeof Fastify>) => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app);
    return (app.server.address() as { port: number }).port;
  };
  const bareApp = Fastify();
  bareApp.get('/bare', async () => ({ hello: 'world' }));
  ports.bare = await listen(bareApp);
  for (const [name, login] of Object.entries(logins) as [Contender, Login][]) {
    const app = Fastify();
    await app.register(cognito, { authenticators: [login.authenticator], defaultMode: 'required' });
    app.get('/session', async (request) => ({ hello: request.auth!.sub }));
    ports[name] = await listen(app);
  }
  process.once('SIGINT', () => {
    void (async () => {
      for (const app of servers) await app.close();
      for (const c of cleanups) await c().catch(() => undefined);
      process.exit(0);
    })();
  });
  process.stdout.write(`READY ${JSON.stringify({ ports, cookies })}\n`);
}

// ---------------------------------------------------------------- client (this process)

type Ready = {
  ports: Partial<Record<Contender | 'bare', number>>;
  cookies: Partial<Record<Contender, string[]>>;
};

async function startServer(): Promise<Ready & { child: ChildProcess }> {
  const profDir = process.env['CCG_SESSION_BENCH_CPU_PROF'];
  const child = spawn(
    process.execPath,
    [
      ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
      '--conditions=ccg-source',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
    ],
    {
      env: { ...process.env, CCG_SESSION_BENCH_SERVER: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`session bench server exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)));
    });
  });
  return { ...ready, child };
}

interface Load {
  readonly port: number;
  readonly path: string;
  /** Cookie headers, handed out in turn across all connections (none for the baseline). */
  readonly cookies: readonly string[];
  readonly connections: number;
}

type RequestSpec = {
  method: 'GET';
  path: string;
  headers: Record<string, string>;
  setupRequest: (request: RequestSpec) => RequestSpec;
};

/** The slice of autocannon's API used here (it ships no type declarations). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: RequestSpec[];
}) => Promise<{ non2xx: number; errors: number; requests: { average: number } }>;

async function reqPerSecond(load: Load, seconds: number): Promise<number> {
  const specifier = 'autocannon'; // a variable: the package ships no type declarations
  const autocannon = ((await import(specifier)) as { default: Autocannon }).default;
  let turn = 0;
  // One counter for all connections: consecutive requests (whatever their connection) name
  // different sessions, as distinct users would. The baseline goes through the same per-request
  // setup so autocannon's own cost is the same for every contender.
  const setupRequest = (request: RequestSpec): RequestSpec => {
    const cookie = load.cookies[turn++ % Math.max(1, load.cookies.length)];
    return { ...request, headers: cookie === undefined ? {} : { cookie } };
  };
  const result = await autocannon({
    url: `http://127.0.0.1:${load.port}`,
    connections: load.connections,
    duration: seconds,
    requests: [{ method: 'GET', path: load.path, headers: {}, setupRequest }],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${load.path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return result.requests.average;
}

export async function benchSession(): Promise<BenchRow[]> {
  const { ports, cookies, child } = await startServer();
  try {
    const contenders = (connections: number, only?: readonly Contender[]): Record<string, Load> => {
      const loads: Record<string, Load> = {};
      for (const [name, list] of Object.entries(cookies) as [Contender, string[]][]) {
        if ((ONLY && !ONLY.includes(name)) || (only && !only.includes(name))) continue;
        loads[name] = { port: ports[name]!, path: '/session', cookies: list, connections };
      }
      return loads;
    };
    // Each contender's ratio is taken against a baseline run next to it, round after round.
    // The baseline run receives the very requests of the contender it is paired with (the same
    // Cookie headers, ignored by the route) at the same concurrency: only the session work
    // differs, not the load generator's, whose cost on these two shared cores grows with the
    // size of the request.
    const measure = async (loads: Record<string, Load>) => {
      const baseline = (name: string): Load => ({
        ...loads[name]!,
        port: ports.bare!,
        path: '/bare',
      });
      for (const [name, load] of Object.entries(loads)) {
        await reqPerSecond(baseline(name), 1); // warm-up
        await reqPerSecond(load, 1);
      }
      return pairedRatios(
        (name) => reqPerSecond(baseline(name), DURATION_S),
        Object.fromEntries(
          Object.entries(loads).map(([name, load]) => [name, () => reqPerSecond(load, DURATION_S)]),
        ),
        ROUNDS,
      );
    };
    const measured = await measure(contenders(CONNECTIONS));
    const few = await measure(contenders(FEW_CONNECTIONS, FEW_CONNECTION_CONTENDERS));
    const section = 'session-fastify';
    const bare = measured.baseline;
    const rows: BenchRow[] = [
      {
        section,
        name: `fastify JSON route, no auth, ${CONNECTIONS} connections (each contender's requests, median of the paired runs)`,
        value: bare,
        unit: 'req/s',
      },
    ];
    // The target rows are the default configuration; the revalidateAfterMs rows are opt-in and
    // weaken cross-process logout (see docs/sessions.md), so they carry no target.
    const cached = `revalidateAfterMs ${REVALIDATE_MS}, opt-in, no target`;
    const labels: Record<Contender, [string, number | undefined]> = {
      cookie: ['session, cookie mode', 0.7],
      memory: ['session, store mode (memory store, no network: library cost), no target', undefined],
      redis: ['session, store mode (Redis), no push channel: read per request', 0.5],
      postgres: ['session, store mode (PostgreSQL), no push channel: read per request', 0.5],
      redisPush: ['session, store mode (Redis), push invalidation (pub/sub)', 0.85],
      postgresPush: ['session, store mode (PostgreSQL), push invalidation (LISTEN/NOTIFY)', 0.85],
      redis1s: [`session, store mode (Redis), ${cached}`, undefined],
      postgres1s: [`session, store mode (PostgreSQL), ${cached}`, undefined],
    };
    for (const [name, [label, target]] of Object.entries(labels) as [
      Contender,
      [string, number | undefined],
    ][]) {
      const value = measured.values[name];
      const ratio = measured.ratios[name]!;
      if (ONLY && !ONLY.includes(name)) continue;
      if (value === undefined) {
        const envVar = name.startsWith('redis') ? 'TEST_REDIS_URL' : 'TEST_POSTGRES_URL';
        rows.push({ section, name: `${label}: skipped (${envVar} not set)`, value: 0, unit: 'req/s' });
        continue;
      }
      if (target === undefined) {
        rows.push({
          section,
          name: label,
          value,
          unit: 'req/s',
          baseline: 'fastify no auth',
          ratio,
        });
      } else {
        rows.push(ratioRow(section, label, value, 'req/s', 'fastify no auth', bare, target, ratio));
      }
    }
    // The latency-bound pass: push mode has a target (issue 17: >= 0.7x), reads per request
    // are reported without one (see the top of this file).
    const fewTargets: Partial<Record<Contender, number>> = { redisPush: 0.7, postgresPush: 0.7 };
    for (const name of FEW_CONNECTION_CONTENDERS) {
      const value = few.values[name];
      if (value === undefined) continue;
      const target = fewTargets[name];
      const baseline = `fastify no auth, ${FEW_CONNECTIONS} connections (${Math.round(few.baseline)} req/s)`;
      const label = `${labels[name][0]}, ${FEW_CONNECTIONS} connections (latency-bound)`;
      rows.push(
        target === undefined
          ? { section, name: `${label}, no target`, value, unit: 'req/s', baseline, ratio: few.ratios[name]! }
          : ratioRow(section, label, value, 'req/s', baseline, few.baseline, target, few.ratios[name]!),
      );
    }
    return rows;
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.env['CCG_SESSION_BENCH_SERVER']) {
  await serve();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchSession();
  for (const r of rows) {
    const ratio =
      r.ratio === undefined
        ? ''
        : r.target === undefined
          ? ` ${r.ratio.toFixed(2)}x`
          : ` ${r.ratio.toFixed(2)}x (${r.target}) ${r.ok ? 'held' : 'NOT HELD'}`;
    console.log(`${r.section} | ${r.name} | ${Math.round(r.value)} ${r.unit}${ratio}`);
  }
}
