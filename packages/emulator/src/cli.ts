/**
 * `cognito-code-grant-emulator` CLI: starts the emulator and prints where everything is.
 *   --port 9230 --host 127.0.0.1 --seed seed.json --state-file .data/state.json
 *   --key-file .data/keys.json --webhook-url http://localhost:3000/auth/cognito-events
 *   --webhook-secret S (or COGNITO_WEBHOOK_SECRET) --public-url URL --quiet
 *   --callback-url URL --logout-url URL (repeatable) --print-seed
 */
import { parseArgs } from 'node:util';
import { checkAppUrl, seedWithAppUrls } from './app-urls.ts';
import { DEMO_PASSWORD, loadSeed } from './seed.ts';
import { start } from './server.ts';

const HELP = `Usage: cognito-code-grant-emulator [options]

  --port <n>             port to listen on (default: env PORT, else 9230; 0 = any free port)
  --host <addr>          interface to bind (default 127.0.0.1)
  --public-url <url>     URL clients use, when not http://host:port
  --seed <file>          JSON seed (pools, clients, groups, users); default: the demo pool
  --callback-url <url>   add your app's callback URL to every code-flow client (repeatable)
  --logout-url <url>     add your app's sign-out URL to every code-flow client (repeatable)
  --print-seed           print the seed (with the URLs above) as JSON and exit:
                           cognito-code-grant-emulator --print-seed > seed.json
  --state-file <file>    persist state here (loaded at start when it exists)
  --key-file <file>      pin signing keys (created when missing; keep it out of git)
  --webhook-url <url>    POST signed trigger events here
  --webhook-secret <s>   HMAC secret for webhook signatures (or env COGNITO_WEBHOOK_SECRET)
  --quiet                no request log (confirmation and reset codes are still printed)
  -h, --help             this help
`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      seed: { type: 'string' },
      'callback-url': { type: 'string', multiple: true },
      'logout-url': { type: 'string', multiple: true },
      'print-seed': { type: 'boolean' },
      'state-file': { type: 'string' },
      'key-file': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const callbackUrls = (values['callback-url'] ?? []).map((u) => checkAppUrl(u, '--callback-url'));
  const logoutUrls = (values['logout-url'] ?? []).map((u) => checkAppUrl(u, '--logout-url'));
  if (values['print-seed']) {
    const seed = seedWithAppUrls(loadSeed(values.seed), { callbackUrls, logoutUrls });
    process.stdout.write(`${JSON.stringify(seed, null, 2)}\n`);
    return;
  }
  const rawPort = values.port ?? process.env['PORT'];
  const port = rawPort === undefined || rawPort === '' ? 9230 : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${values.port === undefined ? 'PORT' : '--port'} must be 0-65535`);
  }
  const secret = values['webhook-secret'] ?? process.env['COGNITO_WEBHOOK_SECRET'];
  if (values['webhook-url'] && !secret) {
    throw new TypeError('--webhook-url needs --webhook-secret or COGNITO_WEBHOOK_SECRET');
  }
  const quiet = values.quiet === true;
  const emu = await start({
    port,
    host: values.host,
    publicUrl: values['public-url'],
    seed: values.seed,
    callbackUrls,
    logoutUrls,
    stateFile: values['state-file'],
    keyFile: values['key-file'],
    webhook: values['webhook-url'] && secret ? { url: values['webhook-url'], secret } : undefined,
    log: (line) => {
      // Codes (sign-up, reset) are how a developer gets past those steps: shown even when quiet.
      if (!quiet || line.startsWith('code for ')) process.stdout.write(`[emulator] ${line}\n`);
    },
  });

  const out: string[] = ['', 'Cognito emulator (local; not Amazon Cognito) listening', ''];
  out.push(`  Domain / admin API endpoint  ${emu.url}`);
  for (const poolId of emu.state.pools.keys()) {
    const pool = emu.pool(poolId);
    out.push('', `  Pool ${pool.userPoolId} (${pool.region})`);
    out.push(`    Issuer   ${pool.issuer}`, `    JWKS     ${pool.jwksUri}`);
    out.push(`    OIDC     ${pool.issuer}/.well-known/openid-configuration`);
    for (const c of pool.clients) {
      out.push(
        `    Client   ${c.clientName}: ${c.clientId}${c.clientSecret ? `  secret ${c.clientSecret}` : '  (public)'}`,
      );
      out.push(
        `             flows ${c.allowedOAuthFlows.join(',')}  scopes ${c.allowedOAuthScopes.join(' ')}`,
      );
      if (c.callbackUrls.length) out.push(`             callbacks ${c.callbackUrls.join(' ')}`);
      if (c.logoutUrls.length) out.push(`             sign-out  ${c.logoutUrls.join(' ')}`);
    }
    const state = emu.state.pools.get(poolId)!;
    if (state.users.size <= 20) {
      for (const u of state.users.values()) {
        const groups = emu.state.groupsOf(state, u);
        out.push(
          `    User     ${u.username}  ${u.attributes['email'] ?? ''}  groups: ${groups.join(', ') || '-'}`,
        );
      }
    } else out.push(`    Users    ${state.users.size}`);
  }
  if (!values.seed && !values['state-file']) out.push('', `  Demo users' password: ${DEMO_PASSWORD}`);
  if (values['webhook-url']) out.push('', `  Triggers -> ${values['webhook-url']}`);
  out.push('', '  Ctrl-C to stop', '');
  process.stdout.write(`${out.join('\n')}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`[emulator] ${signal}: stopping\n`);
    emu.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const invokedDirectly =
  import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/cli.ts');
if (invokedDirectly || process.env['COGNITO_EMULATOR_CLI'] === '1') {
  main().catch((err: unknown) => {
    process.stderr.write(`cognito-code-grant-emulator: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
