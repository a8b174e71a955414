/**
 * Token verification throughput, as ratios against baselines measured in the same run:
 * - distinct tokens (no cache help): ours (verifySync, tokenCacheSize 0) vs a bare `crypto.verify`
 *   of the same tokens (split at the last dot, base64url-decode the signature, verify with a
 *   KeyObject prepared once: the floor any RS256 verifier pays), target >= 0.75x;
 * - the same tokens through aws-jwt-verify's `CognitoJwtVerifier.verifySync`, target: ours >= 1.8x;
 * - a reused token (cache hit), for information.
 * Run alone: `node --conditions=ccg-source --import tsx bench/verify.bench.ts`
 */
import { verify as cryptoVerify } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { definePool } from '../packages/cognito-code-grant/src/config/pool.ts';
import { createCognitoVerifier } from '../packages/cognito-code-grant/src/jwt/verifier.ts';
import { createTestPool } from '../packages/cognito-code-grant/src/testing/tokens.ts';
import { type BenchRow, interleaved, opsPerCpuSecond, opsPerSecond, ratioRow } from './lib.ts';

const TOKENS = 2000;

export async function benchVerify(): Promise<BenchRow[]> {
  const test = createTestPool({ lifetimeSeconds: 86_400 });
  const pool = definePool({ userPoolId: test.userPoolId, clientId: test.clientId });
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    tokens.push(test.accessToken({ sub: `user-${i}`, username: `user${i}`, groups: ['staff'] }));
  }

  const ours = createCognitoVerifier({ pools: pool, tokenCacheSize: 0 });
  ours.loadJwks(pool.issuer, test.jwks());
  const cached = createCognitoVerifier({ pools: pool });
  cached.loadJwks(pool.issuer, test.jwks());
  const aws = CognitoJwtVerifier.create({
    userPoolId: test.userPoolId,
    clientId: test.clientId,
    tokenUse: 'access',
  });
  aws.cacheJwks(test.jwks() as never);

  const keyObject = test.accessKey.publicKey;
  const bare = (token: string): boolean => {
    const dot = token.lastIndexOf('.');
    return cryptoVerify(
      'RSA-SHA256',
      Buffer.from(token.slice(0, dot), 'latin1'),
      keyObject,
      Buffer.from(token.slice(dot + 1), 'base64url'),
    );
  };

  // Correctness first: every contender must accept every token.
  for (const t of tokens) {
    if (!bare(t)) throw new Error('bare crypto.verify refused a token');
    ours.verifySync(t);
    aws.verifySync(t);
  }

  let i = 0;
  const next = () => tokens[i++ % TOKENS]!;
  const reused = tokens[0]!;
  const results = await interleaved(
    {
      // Short slices, many rounds, CPU time: a burst from a neighbour on the shared machine
      // then hits every contender alike and does not count as our time.
      'bare crypto.verify': () => opsPerCpuSecond(() => bare(next()), 150),
      'ours verifySync': () => opsPerCpuSecond(() => ours.verifySync(next()), 150),
      'aws-jwt-verify verifySync': () => opsPerCpuSecond(() => aws.verifySync(next()), 150),
      'ours reused token (cache hit)': () => opsPerSecond(() => cached.verifySync(reused), 100),
    },
    21,
  );
  const bareOps = results['bare crypto.verify']!;
  const oursOps = results['ours verifySync']!;
  const awsOps = results['aws-jwt-verify verifySync']!;
  const hitOps = results['ours reused token (cache hit)']!;
  return [
    { section: 'verify', name: 'bare crypto.verify (distinct tokens)', value: bareOps, unit: 'ops/CPU-s' },
    {
      section: 'verify',
      name: 'aws-jwt-verify verifySync (distinct tokens)',
      value: awsOps,
      unit: 'ops/CPU-s',
    },
    ratioRow(
      'verify',
      'ours verifySync (distinct tokens)',
      oursOps,
      'ops/CPU-s',
      'bare crypto.verify',
      bareOps,
      0.75,
    ),
    ratioRow(
      'verify',
      'ours verifySync (distinct tokens)',
      oursOps,
      'ops/CPU-s',
      'aws-jwt-verify verifySync',
      awsOps,
      1.8,
    ),
    ratioRow('verify', 'ours reused token (cache hit)', hitOps, 'ops/s', 'bare crypto.verify', bareOps, 1),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchVerify();
  console.log(`node ${process.version}`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}x ${r.target} ${r.ok ? 'OK' : 'FAIL'}`;
    console.log(`${r.name.padEnd(46)} ${Math.round(r.value).toString().padStart(10)} ${r.unit}${ratio}`);
  }
}
