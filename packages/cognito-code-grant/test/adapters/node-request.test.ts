import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { nodeRequestLike, toWebRequest } from '../../src/adapters/node-request.ts';

/** Sends a chunked body (no Content-Length) of `chunks` x `size` bytes; resolves with what the server saw. */
async function withChunkedUpload(chunks: number, size: number, max: number) {
  let seen: { text?: string; error?: string; tooLarge: boolean } | undefined;
  const server = createServer((req, res) => {
    const translated = toWebRequest(req, req.url ?? '/', { maxBodyBytes: max });
    translated.request.text().then(
      (text) => {
        seen = { text, tooLarge: translated.tooLarge() };
        res.end('ok');
      },
      (error: { code?: string }) => {
        seen = { error: error.code ?? String(error), tooLarge: translated.tooLarge() };
        res.statusCode = 413;
        res.setHeader('connection', 'close');
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    const client = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/up' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    client.on('error', () => resolve());
    for (let i = 0; i < chunks; i++) client.write('x'.repeat(size));
    client.end();
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return seen;
}

test('streamed body under the cap arrives whole', async () => {
  const seen = await withChunkedUpload(4, 100, 1000);
  assert.equal(seen?.text, 'x'.repeat(400));
  assert.equal(seen?.tooLarge, false);
});

test('chunked body over the cap errors the stream with REQUEST_TOO_LARGE', async () => {
  const seen = await withChunkedUpload(20, 100, 1000);
  assert.equal(seen?.tooLarge, true);
  assert.equal(seen?.text, undefined);
});

test('Content-Length over the cap is refused before reading', () => {
  const fake = { method: 'POST', headers: { 'content-length': '5000' } } as never;
  assert.throws(() => toWebRequest(fake, '/', { maxBodyBytes: 1000 }), { code: 'REQUEST_TOO_LARGE' });
});

test('nodeRequestLike joins repeated headers and reads lower-case names', () => {
  const r = nodeRequestLike('GET', '/a?b=1', { authorization: 'Bearer x', 'x-many': ['1', '2'] as never });
  assert.equal(r.header('authorization'), 'Bearer x');
  assert.equal(r.header('x-many'), '1, 2');
  assert.equal(r.header('cookie'), undefined);
  assert.equal(r.url, '/a?b=1');
});
