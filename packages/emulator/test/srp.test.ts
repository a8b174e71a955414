/**
 * The emulator's SRP server side against amazon-cognito-identity-js's AuthenticationHelper (the
 * client Amplify grew from): the same k, the same derived key for the same exchange, and
 * Cognito's TIMESTAMP format.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import {
  cognitoTimestamp,
  k,
  N,
  newSalt,
  padHex,
  parseCognitoTimestamp,
  passwordAuthenticationKey,
  serverEphemeral,
  srpPasswordHash,
  verifierOf,
} from '../src/srp.ts';

// Internal modules of the client library (no type declarations): its SRP math, used as-is.
const require = createRequire(import.meta.url);
const Helper = require('amazon-cognito-identity-js/lib/AuthenticationHelper.js').default;
const BigInt16 = require('amazon-cognito-identity-js/lib/BigInteger.js').default;

describe('SRP-6a as Cognito computes it', () => {
  test('k = H(pad(N) | pad(g)) equals the client library', () => {
    const helper = new Helper('Demo0001');
    assert.equal(helper.k.toString(16), k.toString(16));
    assert.equal(helper.N.toString(16), N.toString(16));
  });

  test('padHex: even length, 00 before a set top bit', () => {
    assert.equal(padHex(0x7fn), '7f');
    assert.equal(padHex(0x80n), '0080');
    assert.equal(padHex(0xfffn), '0fff');
    assert.equal(padHex(0x8ffn), '08ff');
  });

  test('both sides derive the same key (salts with and without a leading zero or high bit)', async () => {
    for (const salt of [newSalt(), '00ab'.padEnd(32, '1'), 'f0'.padEnd(32, '2')]) {
      const v = verifierOf(salt, srpPasswordHash('us-east-1_Demo0001', 'admin', 'Passw0rd!demo'));
      const { b, B } = serverEphemeral(v);
      const helper = new Helper('Demo0001');
      const A = await new Promise<any>((resolve) =>
        helper.getLargeAValue((_e: unknown, a: unknown) => resolve(a)),
      );
      const clientKey = await new Promise<number[]>((resolve, reject) =>
        helper.getPasswordAuthenticationKey(
          'admin',
          'Passw0rd!demo',
          new BigInt16(B.toString(16), 16),
          new BigInt16(salt, 16),
          (err: Error | null, key: number[]) => (err ? reject(err) : resolve(key)),
        ),
      );
      const serverKey = passwordAuthenticationKey(BigInt(`0x${A.toString(16)}`), B, b, v);
      assert.equal(Buffer.from(clientKey).toString('hex'), serverKey.toString('hex'));
      // A wrong password gives another key.
      const wrong = verifierOf(salt, srpPasswordHash('us-east-1_Demo0001', 'admin', 'other'));
      assert.notEqual(
        passwordAuthenticationKey(BigInt(`0x${A.toString(16)}`), B, b, wrong).toString('hex'),
        serverKey.toString('hex'),
      );
    }
  });

  test('TIMESTAMP: EEE MMM d HH:mm:ss UTC yyyy, day not padded', () => {
    assert.equal(cognitoTimestamp(new Date(Date.UTC(2024, 2, 5, 9, 7, 3))), 'Tue Mar 5 09:07:03 UTC 2024');
    assert.equal(
      cognitoTimestamp(new Date(Date.UTC(2026, 11, 25, 23, 59, 59))),
      'Fri Dec 25 23:59:59 UTC 2026',
    );
    assert.equal(parseCognitoTimestamp('Tue Mar 5 09:07:03 UTC 2024'), Date.UTC(2024, 2, 5, 9, 7, 3));
    assert.equal(parseCognitoTimestamp('Tue Mar 05 09:07:03 UTC 2024'), undefined);
    assert.equal(parseCognitoTimestamp('Wed Mar 5 09:07:03 UTC 2024'), undefined, 'weekday must agree');
    assert.equal(parseCognitoTimestamp('2024-03-05T09:07:03Z'), undefined);
  });
});
