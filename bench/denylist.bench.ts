/**
 * The cost of the origin deny-list on the verifier's steady path (issue 13: within 5% of today's
 * cost), as ratios against the same verifier without the list, measured in the same run:
 * - a reused token (a verified-token cache hit, the common case of an API): target >= 0.95x;
 * - distinct tokens (RSA verification each time): target >= 0.95x.
 * The list holds 10 000 denied origins (none of the tokens' own), kept by the memory store; the
 * check is a synchronous lookup, so this is the whole price a request pays for it.
 * Run alone: `node --conditions=ccg-source --import tsx bench/denylist.bench.ts`
 */
import { fileURLToPath } from 'node:url';
import { definePool } from '../packages/cognito-code-grant/src/config/pool.ts';
import { createCognitoVerifier } from '../packages/cognito-code-grant/src/jwt/verifier.ts';
import { createOriginDenylist } from '../packages/cognito-code-grant/src/session/origin-denylist.ts';
import { createMemorySessionStore } from '../packages/cognito-code-grant/src/store/memory/session-store.ts';
import { createTestPool } from '../packages/cognito-code-grant/src/testing/tokens.ts';
import { type BenchRow, interleaved, opsPerCpuSecond, ratioRow } from './lib.ts';

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
  const results = await interleaved(
    {
      plainHit: () => opsPerCpuSecond(() => plainHit.verifySync(reused), 300),
      listHit: () => opsPerCpuSecond(() => listHit.verifySync(reused), 300),
      plainFresh: () => opsPerCpuSecond(() => plainFresh.verifySync(tokens[i++ % TOKENS]!), 300),
      listFresh: () => opsPerCpuSecond(() => listFresh.verifySync(tokens[j++ % TOKENS]!), 300),
    },
    7,
  );
  await denylist.close();
  const section = 'denylist';
  return [
    ratioRow(
      section,
      `reused token (cache hit) with the origin deny-list (${DENIED} entries)`,
      results['listHit']!,
      'verify/s',
      'same verifier without deny-list',
      results['plainHit']!,
      0.95,
    ),
    ratioRow(
      section,
      `distinct tokens (RSA each) with the origin deny-list (${DENIED} entries)`,
      results['listFresh']!,
      'verify/s',
      'same verifier without deny-list',
      results['plainFresh']!,
      0.95,
    ),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchDenylist()) {
    console.log(
      `${r.name} | ${Math.round(r.value)} ${r.unit} | ${r.ratio?.toFixed(3)}x (${r.target}) ${r.ok ? 'ok' : 'NO'}`,
    );
  }
}
