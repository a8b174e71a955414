import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hasErrorCode } from '../../../src/errors/errors.ts';
import { CHANNELS } from '../../../src/observability/channels.ts';
import { prepareJwk, type PreparedKey } from '../../../src/jwks/key.ts';
import { decodeJwt } from '../../../src/jwt/decode.ts';
import { SignatureScheduler, verifySignature } from '../../../src/jwt/signature.ts';
import { SignatureThread, signatureThread } from '../../../src/jwt/signature-thread.ts';
import { fixture } from './helpers.ts';

function setup() {
  const { test: tp } = fixture();
  const key = prepareJwk(tp.accessKey.jwk) as PreparedKey;
  const token = (sub: string) => tp.accessToken({ sub });
  // Signed with another key under this key's kid: decodes, fails the RSA check.
  const forged = (sub = 'forged') =>
    tp.accessToken({ sub }, { key: tp.idKey, header: { kid: tp.accessKey.kid } });
  return { tp, key, token, forged };
}

/**
 * Awaits `promise` with the event loop held open: the helper thread never keeps a process alive
 * (unref), so a test waiting only for it could see the loop end first (Node 22 does).
 */
async function held<T>(promise: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 60_000);
  try {
    return await promise;
  } finally {
    clearInterval(hold);
  }
}

/** The helper's answer once it has taken and checked the job (it runs on its own thread). */
async function helperResult(thread: SignatureThread, slot: number): Promise<boolean> {
  for (;;) {
    const answer = thread.answer(slot);
    if (answer !== undefined) return answer;
    await nextTurn();
  }
}

test('the check uses the bytes decodeJwt left in the scratch only for the token decoded last', () => {
  const { key, token, forged } = setup();
  const a = token('a');
  const b = token('b');
  const bad = forged('a');
  const decodedA = decodeJwt(a);
  // An equal token is the same bytes, whichever string object carries it.
  assert.equal(verifySignature(Buffer.from(a).toString(), decodedA, key), true);
  decodeJwt(a);
  const decodedB = decodeJwt(b);
  assert.equal(verifySignature(a, decodedA, key), true);
  assert.equal(verifySignature(b, decodedB, key), true);
  // A token that fails to decode has overwritten the scratch: the last good one is written again.
  decodeJwt(a);
  assert.throws(() => decodeJwt(`${b.slice(0, b.indexOf('.') + 1)}bm90IGpzb24.${b.split('.')[2]}`));
  assert.equal(verifySignature(a, decodedA, key), true);
  decodeJwt(a);
  assert.equal(verifySignature(bad, decodeJwt(bad), key), false);
  assert.equal(verifySignature(a, decodedA, key), true);
});

test('tokens longer than the first scratch buffer are checked on their own bytes', () => {
  const { tp, key } = setup();
  const pad = 'x'.repeat(9000);
  const long = tp.accessToken({ sub: 'long' }, { claims: { pad } });
  const forged = tp.accessToken(
    { sub: 'long' },
    { claims: { pad }, key: tp.idKey, header: { kid: tp.accessKey.kid } },
  );
  assert.ok(long.length > 12_000);
  assert.equal(verifySignature(long, decodeJwt(long, 32_768), key), true);
  assert.equal(verifySignature(forged, decodeJwt(forged, 32_768), key), false);
  // A short token after a long one: the grown scratch still holds only the short one's bytes.
  const short = tp.accessToken({ sub: 'short' });
  assert.equal(verifySignature(short, decodeJwt(short), key), true);
});

test('without a helper every check runs on the calling thread, at once', () => {
  const { key, token, forged } = setup();
  const scheduler = new SignatureScheduler();
  const tokens = [token('a'), token('b'), forged()];
  const results = tokens.map((t) => scheduler.verify(t, decodeJwt(t), key));
  assert.deepEqual(results, [true, true, false]);
});

test('a lone check runs at once; overlapping ones are settled at the end of their run', async () => {
  const { key, token } = setup();
  const scheduler = new SignatureScheduler(signatureThread);
  const tokens = Array.from({ length: 8 }, (_, i) => token(`u${i}`));
  const decoded = tokens.map((t) => decodeJwt(t));
  // Started together (as Promise.all does): the first at once, the rest shared with the helper.
  const first = tokens.map((t, i) => scheduler.verify(t, decoded[i]!, key));
  assert.equal(first[0], true);
  for (const r of first.slice(1)) assert.ok(r instanceof Promise);
  assert.deepEqual(await Promise.all(first), Array(8).fill(true));
  // The run after an overlapping one: its first check waits for the run's end too.
  const second = tokens.map((t, i) => scheduler.verify(t, decoded[i]!, key));
  for (const r of second) assert.ok(r instanceof Promise);
  assert.deepEqual(await Promise.all(second), Array(8).fill(true));
  // Alone again: settled at its run's end, and the next lone check runs at once.
  const alone = scheduler.verify(tokens[0]!, decoded[0]!, key);
  assert.ok(alone instanceof Promise);
  assert.equal(await alone, true);
  assert.equal(scheduler.verify(tokens[1]!, decoded[1]!, key), true);
});

/**
 * Publishes a good and a forged token on `thread` in turn, expects `answer` to give true then
 * false for each one's slot, and frees the slot; then stops the thread.
 */
async function goodThenForged(
  thread: SignatureThread,
  answer: (slot: number) => boolean | Promise<boolean>,
): Promise<void> {
  const { key, token, forged } = setup();
  try {
    for (const [t, expected] of [
      [token('good'), true],
      [forged(), false],
    ] as const) {
      const d = decodeJwt(t);
      const slot = thread.publish(key.keyObject, t, d.signingInputEnd, d.signature, key.modulusBytes);
      assert.ok(slot >= 0);
      assert.equal(await answer(slot), expected);
      thread.release(slot);
    }
  } finally {
    await thread.close();
  }
}

test('the helper thread checks a published job, and refuses a forged one', async () => {
  const thread = new SignatureThread(() => assert.fail('the helper went down'));
  await goodThenForged(thread, async (slot) => {
    const ok = await helperResult(thread, slot);
    // The helper took it: the caller cannot.
    assert.equal(thread.claim(slot), false);
    return ok;
  });
  assert.equal(thread.checked, 2);
});

test('a job the caller claims back is checked on the calling thread', async () => {
  // A helper that never takes a job.
  const thread = new SignatureThread(() => undefined, { source: 'setInterval(() => {}, 1000);' });
  await goodThenForged(thread, (slot) => thread.finalAnswer(slot));
  assert.equal(thread.checked, 0);
});

test('a job the helper hands back unchecked (it lacked the key) is checked by the caller', async () => {
  // Takes every published job and hands it back (state 6), as the helper does without a key.
  const source = `
    const { workerData } = require('node:worker_threads');
    const { status } = workerData;
    for (;;) for (let s = 0; s < status.length; s++)
      if (Atomics.compareExchange(status, s, 1, 2) === 1) Atomics.store(status, s, 6);`;
  const thread = new SignatureThread(() => assert.fail('the helper went down'), { source });
  await goodThenForged(thread, (slot) => helperResult(thread, slot));
  assert.equal(thread.checked, 0);
});

test('verify(): eight distinct tokens at once, one forged among them, run after run', async () => {
  const { test: tp, verifier } = fixture({ tokenCacheSize: 0 });
  const before = signatureThread()!.checked;
  // Until the helper has checked some (it starts on the first overlap, on its own thread).
  for (let round = 0; round < 10_000 && signatureThread()!.checked === before; round++) {
    const tokens = Array.from({ length: 8 }, (_, i) => tp.accessToken({ sub: `u${round}-${i}` }));
    tokens[5] = tp.accessToken({ sub: 'forged' }, { key: tp.idKey, header: { kid: tp.accessKey.kid } });
    const settled = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
    settled.forEach((s, i) => {
      if (i === 5) assert.ok(s.status === 'rejected' && hasErrorCode(s.reason, 'TOKEN_SIGNATURE_INVALID'));
      else assert.ok(s.status === 'fulfilled' && s.value.claims.sub === `u${round}-${i}`);
    });
  }
  assert.ok(signatureThread()!.checked > before, 'the helper thread checked none');
});

test('verify(): more overlapping checks than the helper has slots, and tokens too large for one', async () => {
  const { test: tp, verifier } = fixture({ tokenCacheSize: 0 });
  // About 11 KB: more than a slot holds (8 KB).
  const groups = Array.from({ length: 400 }, (_, j) => `group-${j}-with-a-long-name`);
  const tokens = Array.from({ length: 40 }, (_, i) =>
    tp.accessToken(i % 10 === 3 ? { sub: `u${i}`, groups } : { sub: `u${i}` }),
  );
  assert.ok(tokens[3]!.length > 8192);
  const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
  assert.deepEqual(
    results.map((r) => r.claims.sub),
    tokens.map((_, i) => `u${i}`),
  );
});

test('verify() with signatureThread: false never uses the helper', async () => {
  const { test: tp, verifier } = fixture({ tokenCacheSize: 0, signatureThread: false });
  const before = signatureThread()!.checked;
  for (let round = 0; round < 50; round++) {
    const tokens = Array.from({ length: 8 }, (_, i) => tp.accessToken({ sub: `u${round}-${i}` }));
    await Promise.all(tokens.map((t) => verifier.verify(t)));
  }
  assert.equal(signatureThread()!.checked, before);
});

test('a helper that fails is reported down, and publishes nothing more', async () => {
  const { key, token } = setup();
  const reasons: string[] = [];
  const thread = new SignatureThread((reason) => reasons.push(reason), { source: "throw new Error('boom')" });
  const t = token('a');
  const d = decodeJwt(t);
  await held(thread.closed);
  assert.deepEqual(reasons, ['it failed: boom']);
  assert.equal(thread.alive, false);
  assert.equal(thread.publish(key.keyObject, t, d.signingInputEnd, d.signature, key.modulusBytes), -1);
});

test('a job the helper took but does not answer is checked by the caller; its slot waits; a long silence means dead', async () => {
  const { key, token, forged } = setup();
  const reasons: string[] = [];
  const clock = { t: 0 };
  // Takes every published job and never answers.
  const source = `
    const { workerData } = require('node:worker_threads');
    const { status } = workerData;
    for (;;) for (let s = 0; s < status.length; s++) Atomics.compareExchange(status, s, 1, 2);`;
  const thread = new SignatureThread((reason) => reasons.push(reason), {
    source,
    deadAfterMs: 50,
    now: () => clock.t,
  });
  const publish = (t: string) => {
    const d = decodeJwt(t);
    return thread.publish(key.keyObject, t, d.signingInputEnd, d.signature, key.modulusBytes);
  };
  /** A slot the silent helper has taken. */
  const taken = async (t: string) => {
    for (;;) {
      const slot = publish(t);
      if (!thread.claim(slot)) return slot;
      // Claimed before the helper took it: again.
      thread.release(slot);
      await nextTurn();
    }
  };
  const good = await taken(token('a'));
  const bad = await taken(forged());
  // Not waited for: checked here.
  assert.equal(thread.finalAnswer(good), true);
  assert.equal(thread.finalAnswer(bad), false);
  thread.release(good);
  thread.release(bad);
  // The helper still has them: their slots are not reused.
  const next = publish(token('b'));
  assert.ok(next >= 0 && next !== good && next !== bad);
  assert.equal(thread.finalAnswer(next), true);
  thread.release(next);
  assert.deepEqual(reasons, []);
  clock.t = 50;
  assert.equal(publish(token('c')), -1);
  assert.deepEqual(reasons, ['it did not answer within 50 ms']);
  assert.equal(thread.alive, false);
  await held(thread.closed);
});

test('a check that throws while answers are collected rejects that verification alone', async () => {
  const { key, token } = setup();
  // Hands every job back unchecked, so the caller checks them while it collects.
  const source = `
    const { workerData } = require('node:worker_threads');
    const { status } = workerData;
    for (;;) for (let s = 0; s < status.length; s++)
      if (Atomics.compareExchange(status, s, 1, 2) === 1) Atomics.store(status, s, 6);`;
  const thread = new SignatureThread(() => assert.fail('the helper went down'), { source });
  try {
    const scheduler = new SignatureScheduler(() => thread);
    // The RS256 check throws on a secret key.
    const broken = { ...key, keyObject: createSecretKey(Buffer.alloc(32)) } as PreparedKey;
    const tokens = Array.from({ length: 4 }, (_, i) => token(`u${i}`));
    const results = tokens.map((t, i) => scheduler.verify(t, decodeJwt(t), i === 1 ? broken : key));
    // The first ran at once; of the other three, the first (the broken one) is left to the helper.
    const settled = await held(Promise.allSettled(results));
    assert.deepEqual(
      settled.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
  } finally {
    await thread.close();
  }
});

test('the helper drops the keys this thread no longer holds', async () => {
  const { tp, token } = setup();
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const thread = new SignatureThread(() => assert.fail('the helper went down'));
  try {
    const t = token('a');
    const d = decodeJwt(t);
    // A new KeyObject each time, as a verifier created per tenant would make.
    const checkWithNewKey = async () => {
      const key = prepareJwk(tp.accessKey.jwk) as PreparedKey;
      const slot = thread.publish(key.keyObject, t, d.signingInputEnd, d.signature, key.modulusBytes);
      assert.equal(await helperResult(thread, slot), true);
      thread.release(slot);
    };
    for (let i = 0; i < 20; i++) await checkWithNewKey();
    // Dropped keys are let go when the next new key arrives.
    for (let round = 0; thread.keysHeld > 3; round++) {
      assert.ok(round < 200, `the helper still holds ${thread.keysHeld} keys`);
      gc();
      await nextTurn();
      await checkWithNewKey();
    }
  } finally {
    await thread.close();
  }
});

test('the helper thread reports up and down on its diagnostics channel', async () => {
  const events: unknown[] = [];
  const listener = (event: unknown) => events.push(event);
  subscribe(CHANNELS.signatureThread, listener);
  try {
    const up = new Promise<void>((resolve) =>
      subscribe(CHANNELS.signatureThread, function once() {
        unsubscribe(CHANNELS.signatureThread, once);
        resolve();
      }),
    );
    const thread = new SignatureThread(() => undefined);
    await held(up);
    await held(thread.close(true));
    assert.deepEqual(events, [{ state: 'up' }, { state: 'down', reason: 'it exited with code 1' }]);
  } finally {
    unsubscribe(CHANNELS.signatureThread, listener);
  }
});

test('signatureThread(): a helper that goes down is reported once as a warning', async () => {
  const thread = signatureThread()!;
  const warning = once(process, 'warning');
  await held(thread.close(true));
  const [w] = (await held(warning)) as [Error & { code?: string }];
  assert.equal(w.code, 'CCG_SIGNATURE_THREAD_DOWN');
  assert.match(w.message, /signatures are checked on the calling thread/);
  assert.equal(signatureThread(), undefined);
});
