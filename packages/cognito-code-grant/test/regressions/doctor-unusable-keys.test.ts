/**
 * Review of issue 13 finding 1 (same class, in the doctor): the configuration check counted every
 * `kty: "RSA"` entry of the JWKS as a signing key, so a key set the verifier refuses as a whole
 * (JWKS_INVALID: only `use: "enc"` keys, `alg` not RS256, no modulus) was reported "ok, 2 signing
 * keys" while every token would be refused. The doctor now counts the keys the verifier can use.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, type SeedFile, start } from 'cognito-code-grant-emulator';
import { definePool } from '../../src/config/pool.ts';
import { checkConfiguration } from '../../src/doctor/index.ts';

const POOL_ID = 'eu-west-1_DocKeys1';
const APP = 'http://localhost:4100';
const SEED = {
  pools: [
    {
      userPoolId: POOL_ID,
      clients: [
        { clientId: 'publicclient1', callbackUrls: [`${APP}/auth/callback`], logoutUrls: [`${APP}/`] },
      ],
      users: [],
    },
  ],
} as unknown as SeedFile;

let emulator: RunningEmulator;
before(async () => {
  emulator = await start({ port: 0, host: '127.0.0.1', seed: SEED });
});
after(async () => {
  await emulator?.stop();
});

async function jwksFinding(rewrite: (key: Record<string, unknown>) => Record<string, unknown>) {
  const pool = definePool({
    userPoolId: POOL_ID,
    clientId: 'publicclient1',
    domain: emulator.url,
    issuer: emulator.issuer(),
  });
  // The pool's own key set, each key rewritten as a broken publisher would serve it.
  const doFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (String(input) !== pool.jwksUri) return response;
    const doc = (await response.json()) as { keys: Record<string, unknown>[] };
    return Response.json({ keys: doc.keys.map(rewrite) });
  };
  const report = await checkConfiguration({
    pool,
    appUrl: APP,
    endpoint: emulator.url,
    env: {},
    timeoutMs: 3000,
    fetch: doFetch,
  });
  return report.findings.find((f) => f.check === 'jwks');
}

test('a JWKS of keys the verifier cannot use is a mismatch, not "ok"', async () => {
  for (const rewrite of [
    (k: Record<string, unknown>) => ({ ...k, use: 'enc' }),
    (k: Record<string, unknown>) => ({ ...k, alg: 'RS512' }),
    (k: Record<string, unknown>) => ({ ...k, n: undefined }),
  ]) {
    const finding = await jwksFinding(rewrite);
    assert.equal(finding?.status, 'mismatch', JSON.stringify(finding));
  }
});

test("the pool's own keys are still ok", async () => {
  const finding = await jwksFinding((k) => k);
  assert.equal(finding?.status, 'ok', JSON.stringify(finding));
});
