/**
 * HTTP throughput of a JSON route, as ratios against baselines measured in the same run, for
 * Fastify and for Express:
 * - our bearer auth with one reused token vs the same route without auth (issue 17.2: target
 *   >= 0.92x on Fastify, >= 0.95x on Express);
 * - our bearer auth with 1000 distinct tokens rotating vs the same route guarded by each peer
 *   (bench/peers.ts, with the Cognito checks): aws-jwt-verify's CognitoJwtVerifier, JWKS
 *   hydrated (target >= 1.8x), jose and fast-jwt (target >= 1x: ahead).
 * The server runs in a child process (this file, with CCG_BENCH_SERVER set) so that autocannon
 * and the server do not share one event loop. Baseline and contender receive the same requests;
 * each contender runs next to its baseline (the order alternating from round to round), and its
 * ratio is the median over twos of rounds of those adjacent pairs (`pairedRatios`, as in the
 * session bench).
 * Run alone: `node --conditions=ccg-source --import tsx bench/http.bench.ts`
 * (CCG_BENCH_HTTP_SECONDS / CCG_BENCH_HTTP_ROUNDS change the 2 s x 10 rounds default).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchRow, LIBRARY_CONDITIONS, median, pairedRatios, ratioRow } from './lib.ts';
import { createPeers, type PeerSetup } from './peers.ts';

const TOKENS = 1000;
// Seconds per measurement and interleaved rounds; raise them on a noisy machine. Ten rounds give
// five twos per ratio (as in the session bench): with three, the Fastify reused-token row's twos
// ran from 0.74x to 1.13x in one run, so one loaded period could move its median past the target.
const DURATION_S = Number(process.env['CCG_BENCH_HTTP_SECONDS'] ?? 2);
const ROUNDS = Number(process.env['CCG_BENCH_HTTP_ROUNDS'] ?? 10);
const CONNECTIONS = 10;
const FRAMEWORKS = ['fastify', 'express'] as const;
type Framework = (typeof FRAMEWORKS)[number];
/** Reused-token target per framework (issue 17.2). */
const REUSED_TARGET: Record<Framework, number> = { fastify: 0.92, express: 0.95 };
const PEERS = ['aws-jwt-verify', 'jose', 'fast-jwt'] as const;
const PEER_TARGET: Record<string, number> = { 'aws-jwt-verify': 1.8, jose: 1, 'fast-jwt': 1 };

type ServerSetup = PeerSetup;

// ---------------------------------------------------------------- server (child process)

async function serve(framework: Framework, setup: ServerSetup): Promise<void> {
  const { definePool } = await import('cognito-code-grant');
  const { createCognitoVerifier } = await import('cognito-code-grant');
  const pool = definePool({ userPoolId: setup.userPoolId, clientId: setup.clientId, issuer: setup.issuer });
  const verifier = createCognitoVerifier({ pools: pool });
  verifier.loadJwks(pool.issuer, setup.jwks);
  // The guard an app would write around each peer: Bearer prefix, verify, 401 on failure.
  const peerChecks = createPeers(setup).map((peer) => ({
    path: `/peer/${peer.name}`,
    check: async (header: string | undefined): Promise<{ sub: string } | null> => {
      if (header === undefined || !/^bearer /i.test(header)) return null;
      try {
        return { sub: await peer.verify(header.slice(7)) };
      } catch {
        return null;
      }
    },
  }));
  // Two servers in this process: `plain` (bare and aws-jwt-verify routes) has no trace of our
  // plugin, so the baselines pay nothing for it; `ours` serves the route with our auth.
  let plainPort: number;
  let oursPort: number;
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { cognito } = await import('cognito-code-grant/fastify');
    const plain = Fastify();
    plain.get('/bare', async () => ({ hello: 'world' }));
    for (const { path, check } of peerChecks) {
      plain.get(
        path,
        {
          onRequest: async (request, reply) => {
            const who = await check(request.headers.authorization);
            if (who === null) return reply.code(401).send({ error: 'unauthorized' });
            (request as unknown as { who: unknown }).who = who;
          },
        },
        async (request) => ({ hello: (request as unknown as { who: { sub: string } }).who.sub }),
      );
    }
    await plain.listen({ port: 0, host: '127.0.0.1' });
    plainPort = (plain.server.address() as { port: number }).port;
    const app = Fastify();
    await app.register(cognito, { verifier });
    app.get('/ours', async (request) => ({ hello: request.auth!.sub }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    oursPort = (app.server.address() as { port: number }).port;
  } else {
    const { default: express } = await import('express');
    const { cognitoAuth } = await import('cognito-code-grant/express');
    const app = express();
    app.get('/bare', (_req, res) => {
      res.json({ hello: 'world' });
    });
    for (const { path, check } of peerChecks) {
      app.get(
        path,
        (req, res, next) => {
          check(req.headers.authorization).then((who) => {
            if (who === null) res.status(401).json({ error: 'unauthorized' });
            else {
              (req as unknown as { who: unknown }).who = who;
              next();
            }
          }, next);
        },
        (req, res) => {
          res.json({ hello: (req as unknown as { who: { sub: string } }).who.sub });
        },
      );
    }
    // Our route in an app of its own, as on Fastify: Express matches routes in order, so a
    // route registered after /bare would also pay for testing /bare's path.
    const ours = express();
    ours.get('/ours', cognitoAuth({ verifier }), (req, res) => {
      res.json({ hello: req.auth!.sub });
    });
    const listen = async (expressApp: typeof app) => {
      const server = expressApp.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      return (server.address() as { port: number }).port;
    };
    plainPort = await listen(app);
    oursPort = await listen(ours);
  }
  // A clean exit on SIGINT lets `--cpu-prof` write its profile.
  process.once('SIGINT', () => process.exit(0));
  // `cpu` on stdin -> collects garbage, then tells this process's CPU time so far (user +
  // system, microseconds): each run pays for its own garbage, not for the run before it (a
  // rotating-token run leaves far more than a reused-token one), as in the session bench.
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line !== 'cpu') return;
    (globalThis as { gc?: () => void }).gc?.();
    const { user, system } = process.cpuUsage();
    process.stdout.write(`CPU ${user + system}\n`);
  });
  process.stdout.write(`PORTS ${plainPort} ${oursPort}\n`);
}

// ---------------------------------------------------------------- client (this process)

async function startServer(framework: Framework, setup: ServerSetup): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...LIBRARY_CONDITIONS, '--import', 'tsx', fileURLToPath(import.meta.url)],
    {
      env: { ...process.env, CCG_BENCH_SERVER: framework, CCG_BENCH_SETUP: JSON.stringify(setup) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${framework} bench server exited with ${code}`)));
    lines.on('line', (line) => {
      const match = /^PORTS (\d+) (\d+)$/.exec(line);
      if (match) resolve([Number(match[1]), Number(match[2])]);
    });
  });
  const cpuWaiters: Array<(micros: number) => void> = [];
  lines.on('line', (line) => {
    const match = /^CPU (\d+)$/.exec(line);
    if (match) cpuWaiters.shift()?.(Number(match[1]));
  });
  return {
    plainUrl: `http://127.0.0.1:${ports[0]}`,
    oursUrl: `http://127.0.0.1:${ports[1]}`,
    child,
    cpu: () =>
      new Promise<number>((resolve) => {
        cpuWaiters.push(resolve);
        child.stdin!.write('cpu\n');
      }),
  };
}

interface Server {
  plainUrl: string;
  oursUrl: string;
  child: ChildProcess;
  /** The server process's CPU time so far, in microseconds. */
  cpu(): Promise<number>;
}

type Requests = Array<{ method: 'GET'; path: string; headers: Record<string, string> }>;

/** The slice of autocannon's API used here (it ships no type declarations). */
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: Requests;
}) => Promise<{ non2xx: number; errors: number; requests: { average: number; total: number } }>;

/**
 * Runs autocannon; returns req/s and, when `cpuSamples` is given, records the server's CPU time
 * per request (a figure much less sensitive than req/s to other load on a shared machine).
 */
async function reqPerSecond(
  server: Server,
  url: string,
  requests: Requests,
  seconds: number,
  cpuSamples?: number[],
): Promise<number> {
  const specifier = 'autocannon'; // a variable: the package ships no type declarations
  const autocannon = ((await import(specifier)) as { default: Autocannon }).default;
  const cpuBefore = await server.cpu();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests });
  const cpuAfter = await server.cpu();
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${requests[0]!.path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  cpuSamples?.push((cpuAfter - cpuBefore) / result.requests.total);
  return result.requests.average;
}

export async function benchHttp(): Promise<BenchRow[]> {
  const { createTestPool } = await import('cognito-code-grant/testing');
  const test = createTestPool({ lifetimeSeconds: 86_400 });
  const setup: ServerSetup = {
    userPoolId: test.userPoolId,
    clientId: test.clientId,
    issuer: test.issuer,
    jwks: test.jwks() as never,
    accessKid: test.accessKey.kid,
  };
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) tokens.push(test.accessToken({ sub: `user-${i}`, username: `user${i}` }));
  const one = (path: string): Requests => [
    { method: 'GET', path, headers: { authorization: `Bearer ${tokens[0]}` } },
  ];
  const rotating = (path: string): Requests =>
    tokens.map((t) => ({ method: 'GET', path, headers: { authorization: `Bearer ${t}` } }));

  const rows: BenchRow[] = [];
  for (const framework of FRAMEWORKS) {
    const server = await startServer(framework, setup);
    const { plainUrl, oursUrl, child } = server;
    try {
      const contenders: Record<string, [string, Requests]> = {
        bare: [plainUrl, one('/bare')],
        'ours, reused token': [oursUrl, one('/ours')],
        'ours, 1000 tokens rotating': [oursUrl, rotating('/ours')],
      };
      for (const peer of PEERS) {
        contenders[`${peer}, 1000 tokens rotating`] = [plainUrl, rotating(`/peer/${peer}`)];
      }
      // Warm up JIT and caches (our token cache sees every rotating token here once).
      for (const [url, requests] of Object.values(contenders)) await reqPerSecond(server, url, requests, 1);
      const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
      const run = (name: string) => {
        const [url, requests] = contenders[name]!;
        return reqPerSecond(server, url, requests, DURATION_S, cpu[name]);
      };
      // Each contender runs next to its baseline, round after round, the order alternating, and
      // its ratio is the median over twos of rounds (see `pairedRatios`): the shared machine's
      // load swings within a run, and an order effect cancels out instead of leaning the median.
      // Ours rotating runs next to each peer; its ratio against a peer uses those pairs only.
      const baselineOf: Record<string, string> = { 'ours, reused token': 'bare' };
      const paired: Record<string, () => Promise<number>> = {
        'ours, reused token': () => run('ours, reused token'),
      };
      for (const peer of PEERS) {
        baselineOf[`ours vs ${peer}`] = `${peer}, 1000 tokens rotating`;
        paired[`ours vs ${peer}`] = () => run('ours, 1000 tokens rotating');
      }
      const measured = await pairedRatios((key) => run(baselineOf[key]!), paired, ROUNDS);
      const results: Record<string, number> = {
        bare: measured.baselines['ours, reused token']!,
        'ours, reused token': measured.values['ours, reused token']!,
        'ours, 1000 tokens rotating': median(PEERS.map((peer) => measured.values[`ours vs ${peer}`]!)),
      };
      for (const peer of PEERS) {
        results[`${peer}, 1000 tokens rotating`] = measured.baselines[`ours vs ${peer}`]!;
      }
      const ratio = (key: string) => measured.ratios[key]!;
      const range = (key: string) => measured.ranges[key];
      const cpuPerRequest = (name: string) => median(cpu[name]!);
      const section = `http-${framework}`;
      const bare = results['bare']!;
      const rotatingOurs = results['ours, 1000 tokens rotating']!;
      rows.push(
        { section, name: `${framework} JSON route, no auth`, value: bare, unit: 'req/s' },
        ratioRow(
          section,
          `${framework} + ours, reused token`,
          results['ours, reused token']!,
          'req/s',
          `${framework} no auth`,
          bare,
          REUSED_TARGET[framework],
          ratio('ours, reused token'),
          range('ours, reused token'),
        ),
      );
      for (const peer of PEERS) {
        const value = results[`${peer}, 1000 tokens rotating`]!;
        rows.push(
          { section, name: `${framework} + ${peer}, 1000 tokens rotating`, value, unit: 'req/s' },
          ratioRow(
            section,
            `${framework} + ours, 1000 tokens rotating`,
            rotatingOurs,
            'req/s',
            `${framework} + ${peer}`,
            value,
            PEER_TARGET[peer]!,
            ratio(`ours vs ${peer}`),
            range(`ours vs ${peer}`),
          ),
        );
      }
      // For information: server CPU per request (lower is better; ratio = baseline / ours).
      const cpuRows: Array<readonly [string, string]> = [
        ['ours, reused token', 'bare'],
        ...PEERS.map((peer) => ['ours, 1000 tokens rotating', `${peer}, 1000 tokens rotating`] as const),
      ];
      for (const [name, baseline] of cpuRows) {
        const value = cpuPerRequest(name);
        const base = cpuPerRequest(baseline);
        rows.push({
          section,
          name: `${framework} + ${name}: server CPU per request`,
          value,
          unit: 'us/req',
          baseline: `${baseline} (${base.toFixed(0)} us/req)`,
          ratio: base / value,
        });
      }
    } finally {
      child.kill();
    }
  }
  return rows;
}

const serverMode = process.env['CCG_BENCH_SERVER'];
if (serverMode !== undefined) {
  await serve(serverMode as Framework, JSON.parse(process.env['CCG_BENCH_SETUP']!) as ServerSetup);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchHttp();
  console.log(`node ${process.version}`);
  for (const r of rows) {
    const verdict =
      r.ok === undefined ? `vs ${r.baseline} (info)` : `${r.target} ${r.ok ? 'holds' : 'NOT HELD'}`;
    const ratio = r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}x ${verdict}`;
    console.log(`${r.name.padEnd(46)} ${Math.round(r.value).toString().padStart(10)} ${r.unit}${ratio}`);
  }
}
