// The test network guard (scripts/network-guard.cjs, preloaded into every test process by
// scripts/run-tests.mjs): a connection or DNS query outside loopback is refused before any
// socket is opened; loopback works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import dns from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

interface Guard {
  code: string;
  takeRefusals(): { what: string }[];
}
const guard = (globalThis as Record<symbol, unknown>)[Symbol.for('cognito-code-grant.test-network-guard')] as
  | Guard
  | undefined;

function refused(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code === guard?.code || e?.cause?.code === guard?.code;
}

describe('test network guard', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server.close();
    // The refusals below were expected: they must not fail this process at exit.
    guard?.takeRefusals();
  });

  it('is loaded into this test process by scripts/run-tests.mjs', () => {
    assert.ok(guard, 'run the tests with npm test / scripts/run-tests.mjs (it imports the guard)');
  });

  it('refuses 192.0.2.1 before a socket is opened (net.connect, tls.connect)', () => {
    const opened: net.Socket[] = [];
    const track = (s: net.Socket) => opened.push(s);
    assert.throws(
      () => track(net.connect({ host: '192.0.2.1', port: 9 })),
      (e: Error & { code?: string }) =>
        e.code === guard?.code && /refused a connection to 192\.0\.2\.1:9/.test(e.message),
    );
    assert.throws(() => track(net.connect(443, '192.0.2.1')), refused);
    assert.throws(() => track(tls.connect({ host: '192.0.2.1', port: 443 })), refused);
    assert.throws(() => track(net.connect({ host: '[2001:db8::1]', port: 443 })), refused);
    assert.equal(opened.length, 0, 'no socket object came back, so none was connecting');
  });

  it('refuses http.request and fetch to 192.0.2.1 and to public names', async () => {
    assert.throws(() => http.request('http://192.0.2.1/').end(), refused);
    await assert.rejects(fetch('http://192.0.2.1/'), refused);
    await assert.rejects(fetch('https://cognito-idp.us-east-1.amazonaws.com/'), refused);
  });

  it('refuses DNS queries for any name but localhost', async () => {
    assert.throws(() => dns.lookup('example.com', () => {}), refused);
    await assert.rejects(async () => dns.promises.lookup('example.com'), refused);
    await assert.rejects(async () => dns.promises.resolve4('example.com'), refused);
    await assert.rejects(async () => new dns.promises.Resolver().resolve('example.com'), refused);
    const refusals = guard?.takeRefusals() ?? [];
    assert.ok(refusals.some((r) => /DNS query \(lookup\) for example\.com/.test(r.what)));
  });

  it('fails the process at exit even when the caller swallowed the refusal', () => {
    const guardPath = fileURLToPath(new URL('../../../../scripts/network-guard.cjs', import.meta.url));
    const child = spawnSync(
      process.execPath,
      ['--require', guardPath, '-e', "fetch('http://192.0.2.1/').catch(() => {})"],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 1);
    assert.match(child.stderr, /refused a connection to 192\.0\.2\.1:80/);
  });

  it('is loaded into the Node processes a test starts, whether they inherit the environment or get their own', () => {
    // The child stops before connecting if the guard is missing, so that no packet leaves then.
    const script = `
      if (!globalThis[Symbol.for('cognito-code-grant.test-network-guard')]) process.exit(3);
      try { require('node:net').connect({ host: '192.0.2.1', port: 9 }); console.log('connecting'); }
      catch (e) { console.log(e.code); }`;
    const own = { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: process.env['NODE_OPTIONS'] ?? '' };
    for (const env of [undefined, own]) {
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
      assert.equal(child.stdout.trim(), guard?.code, `child exit ${child.status}: ${child.stderr}`);
      assert.equal(child.status, 1, 'the refusal fails the child at exit');
      assert.match(child.stderr, /refused a connection to 192\.0\.2\.1:9/);
    }
  });

  it('is loaded into worker threads, from a file and from eval code alike', async () => {
    // As in the child above: the worker stops before connecting if the guard is missing.
    const body = `
      const { parentPort } = require('node:worker_threads');
      if (!globalThis[Symbol.for('cognito-code-grant.test-network-guard')]) parentPort.postMessage('no guard');
      else try { require('node:net').connect({ host: '192.0.2.1', port: 9 }); parentPort.postMessage('connecting'); }
      catch (e) { parentPort.postMessage(e.code); }`;
    const dir = mkdtempSync(join(tmpdir(), 'ccg-guard-'));
    const file = join(dir, 'worker.cjs');
    writeFileSync(file, body);
    try {
      for (const [what, worker] of [
        ['file', () => new Worker(file, { stderr: true })],
        ['eval', () => new Worker(body, { eval: true, stderr: true })],
      ] as const) {
        const w = worker();
        let stderr = '';
        w.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        // The refusal also fails the worker at exit, as it fails a process.
        const exited = once(w, 'exit');
        const [answer] = await once(w, 'message');
        assert.equal(answer, guard?.code, `${what} worker: ${stderr}`);
        assert.deepEqual(await exited, [1], `${what} worker exit code`);
        assert.match(stderr, /refused a connection to 192\.0\.2\.1:9/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('allows loopback: 127.0.0.1, localhost and ::1', async () => {
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok');
    const viaName = net.connect({ host: 'localhost', port });
    viaName.on('error', () => {}); // localhost may resolve to ::1 first: reaching it is enough
    viaName.destroy();
    const v6 = http.createServer((_req, res) => res.end('six'));
    v6.listen(0, '::1');
    await once(v6, 'listening');
    const v6port = (v6.address() as net.AddressInfo).port;
    assert.equal(await (await fetch(`http://[::1]:${v6port}/`)).text(), 'six');
    v6.close();
    assert.deepEqual(guard?.takeRefusals(), []);
  });
});
