import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createForwarder, handler } from '../../src/lambda/forwarder.ts';
import { verifyWebhook } from '../../src/trigger/signature.ts';

const SECRET = 'forwarder-secret-0123456789';
const event = {
  version: '1',
  triggerSource: 'PostConfirmation_ConfirmSignUp',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_AbC123xyz',
  userName: 'jdoe',
  callerContext: { awsSdkVersion: 'x', clientId: 'c' },
  request: { userAttributes: { sub: 's-1', email: 'j@example.com' } },
  response: {},
};

let server: Server;
let url: string;
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
let status = 200;
let hang = false;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (hang) return; // never answers: the forwarder's timeout must fire
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/cognito-events`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test('forwards the event signed, with a unique id per invocation, and returns it unchanged', async () => {
  received.length = 0;
  const logs: unknown[] = [];
  const forward = createForwarder({ url, secret: SECRET, log: (l) => logs.push(l) });
  const copy = structuredClone(event);
  const out = await forward(copy, { awsRequestId: 'c0ffee00-1111-4222-8333-444455556666' });
  assert.equal(out, copy);
  assert.deepEqual(out, event);
  assert.equal(received.length, 1);
  const got = received[0] as (typeof received)[0];
  assert.equal(got.body, JSON.stringify(event));
  const v = verifyWebhook([SECRET], (n) => got.headers[n] as string | undefined, got.body);
  assert.equal(v.eventId, 'c0ffee00-1111-4222-8333-444455556666');
  // The same body again (Cognito events carry no unique field) must get another id, or the app
  // would drop it as a duplicate.
  await forward(structuredClone(event));
  await forward(structuredClone(event));
  const ids = received.map((r) => r.headers['x-cognito-event-id']);
  assert.equal(received[1]?.body, received[0]?.body);
  assert.equal(new Set(ids).size, 3);
  assert.match(String(ids[1]), /^[0-9a-f-]{36}$/);
  assert.deepEqual(logs, []);
});

test('a missing or malformed request id falls back to the injected random id', async () => {
  received.length = 0;
  let n = 0;
  const forward = createForwarder({ url, secret: SECRET, log: () => {}, randomId: () => `rnd-${++n}` });
  await forward(structuredClone(event), { awsRequestId: 'bad id with spaces' });
  await forward(structuredClone(event), {});
  assert.deepEqual(
    received.map((r) => r.headers['x-cognito-event-id']),
    ['rnd-1', 'rnd-2'],
  );
});

test('returns the event unchanged when the receiver refuses, is down, or hangs; logs no secret', async () => {
  const logs: string[] = [];
  const log = (l: Record<string, unknown>) => logs.push(JSON.stringify(l));
  status = 500;
  assert.deepEqual(await createForwarder({ url, secret: SECRET, log })(structuredClone(event)), event);
  status = 200;
  // Nothing listens on port 1.
  assert.deepEqual(
    await createForwarder({ url: 'http://127.0.0.1:1/x', secret: SECRET, log })(structuredClone(event)),
    event,
  );
  hang = true;
  assert.deepEqual(
    await createForwarder({ url, secret: SECRET, log, timeoutMs: 150 })(structuredClone(event)),
    event,
  );
  hang = false;
  assert.equal(logs.length, 3);
  assert.match(logs[2] as string, /TimeoutError|AbortError/);
  for (const l of logs) assert.ok(!l.includes(SECRET) && !l.includes('j@example.com'));
});

test('the env-configured handler returns the event even when unconfigured', async () => {
  const saved = { ...process.env };
  delete process.env.COGNITO_EVENTS_URL;
  const original = console.error;
  console.error = () => {};
  try {
    assert.deepEqual(await handler(structuredClone(event)), event);
    received.length = 0;
    process.env.COGNITO_EVENTS_URL = url;
    process.env.COGNITO_WEBHOOK_SECRET = `${SECRET},older-secret-0123456789`;
    assert.deepEqual(await handler(structuredClone(event), { awsRequestId: 'req-1' }), event);
    const got = received[0] as (typeof received)[0];
    assert.equal(
      verifyWebhook([SECRET], (n) => got.headers[n] as string | undefined, got.body).eventId,
      'req-1',
    );
  } finally {
    console.error = original;
    process.env = saved;
  }
});
