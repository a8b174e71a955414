/**
 * A child process for the sync-at-scale rows of bench/replica.bench.ts: an emulator serving one
 * pool of N generated users (argv[2]), seeded through the emulator's public `start({ seed })`, so
 * the pool lives in this process and not in the syncing one. Prints `admin API endpoint <url>`.
 */
import { start } from 'cognito-code-grant-emulator';

const poolId = process.argv[3] ?? 'eu-west-1_BenchPool2';
const count = Number(process.argv[2] ?? 1000);
const groups = ['g0', 'g1', 'g2', 'g3', 'g4'].map((groupName) => ({ groupName }));
const users = Array.from({ length: count }, (_, i) => ({
  username: `scale${i}`,
  attributes: { email: `scale${i}@example.com`, email_verified: 'true', 'custom:n': String(i) },
  groups: [`g${i % 5}`],
  status: 'CONFIRMED',
}));
const emu = await start({
  port: 0,
  seed: { pools: [{ userPoolId: poolId, clients: [], groups, users }] } as never,
  log: () => {},
} as never);
users.length = 0;
process.stdout.write(`admin API endpoint ${emu.url}\n`);
process.once('SIGTERM', () => {
  void emu.stop().then(() => process.exit(0));
});
