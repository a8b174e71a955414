/**
 * A child process for the 1,000,000-user row of bench/replica.bench.ts: syncs one pool (argv:
 * database URL, emulator URL, pool id) in a fresh process, so its peak RSS is the sync's own and
 * not the bench's. Prints one JSON line: usersSeen, durationMs, startMb, peakMb.
 * Plain JavaScript, run by Node alone, as the built CLI is: a TypeScript loader (tsx, or Node's
 * own type stripping) would add about 17 MB to the process's RSS that no user's sync carries.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { createDatabase } from 'cognito-code-grant/kysely';
import { syncPool } from 'cognito-code-grant/sync';

const [databaseUrl, endpoint, userPoolId] = process.argv.slice(2);
/** @param {number} n */
const mb = (n) => n / 1024 / 1024;
const startMb = mb(process.memoryUsage.rss());
let peak = process.memoryUsage.rss();
let phasePeak = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  peak = Math.max(peak, rss);
  phasePeak = Math.max(phasePeak, rss);
};
const timer = setInterval(sample, 100);
const db = await createDatabase(databaseUrl, { queryTimeoutMs: 0 });
const client = new CognitoIdentityProviderClient({
  region: 'eu-west-1',
  endpoint,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 1,
});
try {
  // Wall and CPU milliseconds per phase: on a shared machine the CPU figures are the steadier.
  /** @type {Record<string, { wallMs: number; cpuMs: number; peakMb: number }>} */
  const phases = {};
  let phase = '';
  let phaseWall = performance.now();
  let phaseCpu = process.cpuUsage();
  /** @param {string} next */
  const endPhase = (next) => {
    if (next === phase) return;
    const cpu = process.cpuUsage(phaseCpu);
    if (phase)
      phases[phase] = {
        wallMs: Math.round(performance.now() - phaseWall),
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        peakMb: Math.round(mb(phasePeak)),
      };
    phasePeak = 0;
    phase = next;
    phaseWall = performance.now();
    phaseCpu = process.cpuUsage();
  };
  const report = await syncPool({
    db,
    userPoolId,
    client,
    onProgress: (p) => {
      sample();
      endPhase(p.phase);
    },
  });
  sample();
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ usersSeen: report.usersSeen, durationMs: report.durationMs, startMb, peakMb: mb(peak), cpuMs: Math.round((cpu.user + cpu.system) / 1000), phases })}\n`,
  );
} finally {
  clearInterval(timer);
  client.destroy();
  await db.destroy();
}
