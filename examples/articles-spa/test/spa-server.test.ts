/**
 * The single-page app's build and server: one Vite build (to a temporary folder), served with its
 * runtime config at /config.json (nothing Cognito-specific baked into the bundle), a strict
 * Content-Security-Policy naming the API and Cognito, and index.html for client-side routes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildSpa,
  createSpaServer,
  isSpaBuildCurrent,
  type SpaConfig,
  spaContentSecurityPolicy,
} from 'articles-spa-example/server';

const CONFIG: SpaConfig = {
  userPoolId: 'us-east-1_Demo0001',
  userPoolClientId: '7p1r3t5v7x9z2b4d6f8h0j2l4n',
  userPoolEndpoint: 'http://127.0.0.1:9230/',
  apiUrl: 'http://localhost:3000',
};

describe('the single-page app build and server', () => {
  let dir: string;
  let server: Server;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'articles-spa-'));
    await buildSpa(join(dir, 'dist'));
    server = createSpaServer({ dir: join(dir, 'dist'), config: CONFIG }).listen(0, '127.0.0.1');
    await new Promise((done) => server.once('listening', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((done) => server?.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds an index.html and hashed assets, with no pool or client id baked in', () => {
    const out = join(dir, 'dist');
    assert.ok(isSpaBuildCurrent(out));
    assert.equal(isSpaBuildCurrent(join(dir, 'nothing-here')), false);
    // A build older than a source (here: dated 1970) is stale, so npm start rebuilds it.
    const index = join(out, 'index.html');
    utimesSync(index, 0, 0);
    assert.equal(isSpaBuildCurrent(out), false);
    const now = new Date();
    utimesSync(index, now, now);
    assert.ok(isSpaBuildCurrent(out));
    const assets = readdirSync(join(out, 'assets'));
    assert.ok(assets.some((f) => /^index-[\w-]+\.js$/.test(f)));
    assert.ok(assets.some((f) => /\.css$/.test(f)));
    for (const f of assets) {
      const text = readFileSync(join(out, 'assets', f), 'utf8');
      assert.ok(!text.includes(CONFIG.userPoolId) && !text.includes(CONFIG.userPoolClientId), f);
    }
  });

  it('serves the runtime config, never cached', async () => {
    const res = await fetch(`${base}/config.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), CONFIG);
  });

  it('serves the page with a CSP allowing only itself, the API and the Cognito endpoint', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<div id="root">/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self' http:\/\/localhost:3000 http:\/\/127\.0\.0\.1:9230;/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    // A client-side route gets the same page; a hashed asset is cached for good.
    const route = await fetch(`${base}/articles/42`);
    assert.equal(await route.text(), html);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'index.html loads a hashed script');
    const asset = await fetch(`${base}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${base}/assets/missing.js`)).status, 404);
  });

  it('points the CSP at AWS when no endpoint override is set (a real pool)', () => {
    const csp = spaContentSecurityPolicy({
      userPoolId: 'eu-west-1_AbC123xyz',
      userPoolClientId: 'abc',
      apiUrl: 'https://articles.example.com/',
    });
    assert.match(
      csp,
      /connect-src 'self' https:\/\/articles\.example\.com https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com;/,
    );
  });

  it('refuses to start without a build, saying how to make one', () => {
    assert.throws(() => createSpaServer({ dir: join(dir, 'empty'), config: CONFIG }), /npm run build/);
  });
});
