/** The CLI (through the bin script) starts the demo pool, prints where it is, and stops on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const BIN = fileURLToPath(new URL('../bin/cognito-code-grant-emulator.mjs', import.meta.url));

test('bin: prints issuer, clients and demo users; SIGTERM stops it with exit code 0', async () => {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ctrl-C to stop')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  try {
    await ready;
    const domain = /Domain \/ admin API endpoint\s+(\S+)/.exec(out)?.[1];
    assert.ok(domain, out);
    assert.match(out, /Issuer\s+http:\/\/127\.0\.0\.1:\d+\/us-east-1_Demo0001/);
    assert.match(out, /articles-web: 4k2n7q9s1u3w5y6a8c0e2g4i6m/);
    assert.match(out, /Demo users' password: Passw0rd!demo/);
    const res = await fetch(`${domain}/us-east-1_Demo0001/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
