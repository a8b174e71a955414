/**
 * The cost of the origin deny-list on the verifier's steady path (issue 13: within 5% of today's
 * cost), as ratios against the same verifier without the list, measured in the same run:
 * - a reused token (a verified-token cache hit, the steady path of an API): target >= 0.95x;
 * - distinct tokens (RSA verification each time): reported without a target: one lookup (tens of
 *   nanoseconds) beside an RSA verification (tens of microseconds) is far below this machine's
 *   noise, so the ratio only shows that noise.
 * The list holds 10 000 denied origins (none of the tokens' own), kept by the memory store; the
 * check is a synchronous lookup, so this is the whole price a request pays for it.
 * Run alone: `node --conditions=ccg-source --import tsx bench/denylist.bench.ts`
 */
import { fileURLToPath } from 'node:url';
import {
  createCognitoVerifier,
  createMemorySessionStore,
  createOriginDenylist,
  definePool,
} from 'cognito-code-grant';
import { createTestPool } from 'cognito-code-grant/testing';
import { type BenchRow, median, opsPerCpuSecond, ratioRow, roundRange } from './lib.ts';

const TOKENS = 500;
const DENIED = 10_000;

export async function benchDenylist(): Promise<BenchRow[]> {
  const test = createTestPool({ lifetimeSeconds: 86_400 });
  const pool = definePool({ userPoolId: test.userPoolId, clientId: test.clientId });
  const tokens = Array.from({ length: TOKENS }, (_, i) => test.accessToken({ sub: `user-${i}` }));
  const store = createMemorySessionStore();
  for (let i = 0; i < DENIED; i++) await store.denyOrigin!(`denied-${i}`, Date.now() + 3_600_000);
  const denylist = createOriginDenylist({ store });
  await denylist.ready();

  const make = (withList: boolean, cacheSize?: number) => {
    const v = createCognitoVerifier({
      pools: pool,
      ...(withList ? { denylist } : {}),
      ...(cacheSize === undefined ? {} : { tokenCacheSize: cacheSize }),
    });
    v.loadJwks(pool.issuer, test.jwks());
    return v;
  };
  const [plainHit, listHit, plainFresh, listFresh] = [make(false), make(true), make(false, 0), make(true, 0)];
  const reused = tokens[0]!;
  plainHit.verifySync(reused);
  listHit.verifySync(reused);
  let i = 0;
  let j = 0;
  // Each round measures both verifiers back to back (the order alternating) and keeps their
  // ratio: the shared machine's load drifts within a run, far more than the lookup costs.
  const paired = (plain: () => unknown, withList: () => unknown, rounds = 15) => {
    const ratios: number[] = [];
    const values: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const a = r % 2 === 0 ? opsPerCpuSecond(plain, 200) : 0;
      const b = opsPerCpuSecond(withList, 200);
      const c = r % 2 === 0 ? a : opsPerCpuSecond(plain, 200);
      ratios.push(b / c);
      values.push(b);
    }
    return { ratio: median(ratios), value: median(values), range: roundRange(ratios) };
  };
  const hit = paired(
    () => plainHit.verifySync(reused),
    () => listHit.verifySync(reused),
  );
  const fresh = paired(
    () => plainFresh.verifySync(tokens[i++ % TOKENS]!),
    () => listFresh.verifySync(tokens[j++ % TOKENS]!),
  );
  await denylist.close();
  const section = 'denylist';
  return [
    ratioRow(
      section,
      `reused token (cache hit) with the origin deny-list (${DENIED} entries)`,
      hit.value,
      'verify/s',
      'same verifier without deny-list',
      hit.value / hit.ratio,
      0.95,
      hit.ratio,
      hit.range,
    ),
    {
      section,
      name: `distinct tokens (RSA each) with the origin deny-list (${DENIED} entries), no target`,
      value: fresh.value,
      unit: 'verify/s',
      baseline: 'same verifier without deny-list',
      ratio: fresh.ratio,
      ...(fresh.range === undefined ? {} : { range: fresh.range }),
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchDenylist()) {
    const verdict = r.target === undefined ? '' : ` (${r.target}) ${r.ok ? 'held' : 'NOT HELD'}`;
    console.log(`${r.name} | ${Math.round(r.value)} ${r.unit} | ${r.ratio?.toFixed(3)}x${verdict}`);
  }
}
