/**
 * Logout in one process, refusal in another: this process runs the app (store mode on Redis,
 * with the origin deny-list); a child process runs a second instance on the same Redis (a
 * bearer API and store-mode sessions with push invalidation). After the logout here, the child
 * refuses the session's access token, and its session cookie, as soon as the push messages
 * reach it (the test waits for those messages, not for a time).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createOriginDenylist } from '../../src/session/origin-denylist.ts';
import { originOfToken } from '../../src/session/session-origin.ts';
import { createRedisSessionStore } from '../../src/store/redis/session-store.ts';
import { SECRET, setup } from './harness.ts';

const url = process.env['TEST_REDIS_URL'];

/** The next IPC message of `child` that has one of `keys`. */
function next(child: ChildProcess, ...keys: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!keys.some((key) => key in m)) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => reject(new Error(`the instance exited (${code})`));
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

test('a logout in one process: the other process refuses its access token once the entry is pushed', {
  skip: url ? false : 'TEST_REDIS_URL not set',
}, async () => {
  const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(url!);
  let clock = { t: 0 };
  const now = () => clock.t;
  const store = createRedisSessionStore(redis, { prefix, now, push: true });
  const denylist = createOriginDenylist({ store, now });
  const child = fork(new URL('./denylist-instance.ts', import.meta.url), {
    execArgv: ['--conditions=ccg-source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const a = setup('store', { session: { mode: 'store', store, secrets: [SECRET], denylist } });
    clock = a.clock;
    await denylist.ready();
    const ready = next(child, 'ready');
    child.send({
      url,
      prefix,
      now: clock.t,
      userPoolId: a.fake.testPool.userPoolId,
      clientId: a.fake.testPool.clientId,
      jwks: a.fake.testPool.jwks(),
      domain: 'https://auth.example.test',
      secret: SECRET,
    });
    assert.deepEqual(await ready, { ready: true }, 'the other instance listens on the channel');

    await a.signIn();
    const token = a.fake.accessTokens.at(-1)!;
    const origin = originOfToken(token, clock.t)!.originJti;
    let answer = next(child, 'verified', 'refused');
    child.send({ verify: token });
    assert.equal(typeof (await answer)['verified'], 'string', 'accepted before the logout');

    const pushed = next(child, 'denied');
    const csrf = a.login.csrfToken(a.requestLike())!;
    const res = await a.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
    assert.equal(res.status, 303);
    assert.deepEqual(await pushed, { denied: origin });
    answer = next(child, 'verified', 'refused');
    child.send({ verify: token });
    assert.deepEqual(await answer, { refused: 'TOKEN_REVOKED' });
  } finally {
    child.send({ stop: true });
    await new Promise((resolve) => child.once('exit', resolve));
    await denylist.close();
    await store.closeChannel();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

test('store mode with push: a session served from memory in another process is refused once the message arrives', {
  skip: url ? false : 'TEST_REDIS_URL not set',
}, async () => {
  const prefix = `ccgtest:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(url!);
  let clock = { t: 0 };
  const now = () => clock.t;
  const store = createRedisSessionStore(redis, { prefix, now, push: true });
  const denylist = createOriginDenylist({ store, now });
  const child = fork(new URL('./denylist-instance.ts', import.meta.url), {
    execArgv: ['--conditions=ccg-source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const a = setup('store', { session: { mode: 'store', store, secrets: [SECRET], denylist } });
    clock = a.clock;
    await denylist.ready();
    const ready = next(child, 'ready');
    child.send({
      url,
      prefix,
      now: clock.t,
      userPoolId: a.fake.testPool.userPoolId,
      clientId: a.fake.testPool.clientId,
      jwks: a.fake.testPool.jwks(),
      domain: 'https://auth.example.test',
      secret: SECRET,
    });
    assert.deepEqual(await ready, { ready: true });
    // The sign-in's own write is announced too: wait for it, so the next message is the logout's.
    const created = next(child, 'session');
    await a.signIn();
    await created;
    const cookie = a.jar.header('/api/x')!;
    const ask = async () => {
      const answer = next(child, 'authenticated');
      child.send({ cookie });
      return answer;
    };
    const first = await ask();
    assert.equal(typeof first['authenticated'], 'string', 'the other process serves the session');
    const second = await ask();
    assert.equal(second['reads'], first['reads'], 'the second request was served from memory');

    const csrf = a.login.csrfToken(a.requestLike())!;
    const announced = next(child, 'session');
    assert.equal((await a.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } })).status, 303);
    await announced;
    const after = await ask();
    assert.equal(after['authenticated'], null, 'refused once the message arrived');
  } finally {
    child.send({ stop: true });
    await new Promise((resolve) => child.once('exit', resolve));
    await denylist.close();
    await store.closeChannel();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
