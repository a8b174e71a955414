import Fastify from 'fastify';
import { definePool, createCognitoVerifier } from 'cognito-code-grant';
import { createTestPool } from 'cognito-code-grant/testing';
import { cognito } from 'cognito-code-grant/fastify';
const test = createTestPool({ lifetimeSeconds: 86_400 });
const pool = definePool({ userPoolId: test.userPoolId, clientId: test.clientId, issuer: test.issuer });
const verifier = createCognitoVerifier({ pools: pool });
verifier.loadJwks(pool.issuer, test.jwks());
const token = test.accessToken();
async function main() {
  const bare = Fastify();
  bare.get('/r', async () => ({ hello: 'world' }));
  const ours = Fastify();
  await ours.register(cognito, { verifier });
  ours.get('/r', async (request) => ({ hello: request.auth!.sub }));
  await bare.ready();
  await ours.ready();
  const headers = { authorization: `Bearer ${token}` };
  const measure = async (app: typeof bare, n: number) => {
    const c = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const r = await app.inject({ method: 'GET', url: '/r', headers });
      if (r.statusCode !== 200) throw new Error(r.body);
    }
    const u = process.cpuUsage(c);
    return (u.user + u.system) / n;
  };
  await measure(bare, 3000);
  await measure(ours, 3000);
  const diffs: number[] = [];
  for (let k = 0; k < 8; k++) {
    const b = await measure(bare, 3000);
    const o = await measure(ours, 3000);
    diffs.push(o - b);
    console.log('bare', b.toFixed(1), 'ours', o.toFixed(1), 'us/req');
  }
  diffs.sort((a, b) => a - b);
  console.log('median added us/req', diffs[4]!.toFixed(2));
}
main();
