import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CognitoAuthError, hasErrorCode } from '../../../src/errors/errors.ts';
import { errorResponse } from '../../../src/http/error-response.ts';
import { createVerifiedToken } from '../../../src/jwt/verified.ts';
import { principalFromToken } from '../../../src/principal/from-claims.ts';
import { checkGroups, checkScopes } from '../../../src/principal/require.ts';
import { fixture } from '../jwt/helpers.ts';

describe('principalFromToken', () => {
  test('access token: every field', () => {
    const { test: tp, verifier, pool } = fixture();
    const v = verifier.verifySync(
      tp.accessToken({ username: 'jdoe', groups: ['staff', 'admins'] }, { scope: 'openid  api/read' }),
    );
    const p = principalFromToken(v, 'bearer');
    assert.deepEqual(
      { ...p, claims: undefined },
      {
        sub: '3f6c1b2e-8d4a-4c1f-9e7b-0a1b2c3d4e5f',
        username: 'jdoe',
        email: undefined,
        emailVerified: undefined,
        groups: ['staff', 'admins'],
        scopes: ['openid', 'api/read'],
        tokenUse: 'access',
        clientId: tp.clientId,
        isMachine: false,
        issuer: pool.issuer,
        userPoolId: pool.userPoolId,
        expiresAt: v.claims.exp,
        source: 'bearer',
        claims: undefined,
      },
    );
    assert.equal(p.claims, v.claims);
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.groups) && Object.isFrozen(p.scopes));
  });

  test('ID token: cognito:username, email, no scopes, client from aud', () => {
    const { test: tp, verifier } = fixture();
    const v = verifier.verifySync(tp.idToken({ username: 'jane', email: 'j@example.com' }), {
      tokenUse: 'id',
    });
    const p = principalFromToken(v, 'session');
    assert.equal(p.username, 'jane');
    assert.equal(p.email, 'j@example.com');
    assert.equal(p.emailVerified, true);
    assert.deepEqual(p.scopes, []);
    assert.deepEqual(p.groups, []);
    assert.equal(p.clientId, tp.clientId);
    assert.equal(p.source, 'session');
    assert.equal(p.isMachine, false);
  });

  test('client-credentials token is a machine principal with no username', () => {
    const { test: tp, verifier } = fixture();
    const p = principalFromToken(
      verifier.verifySync(tp.clientCredentialsToken({ scope: 'articles/read articles/write' })),
      'bearer',
    );
    assert.equal(p.isMachine, true);
    assert.equal(p.username, null);
    assert.equal(p.sub, tp.clientId);
    assert.deepEqual(p.scopes, ['articles/read', 'articles/write']);
    // a user access token without username but sub != client_id is not a machine
    const odd = principalFromToken(
      verifier.verifySync(tp.accessToken({}, { claims: { username: undefined } })),
      'bearer',
    );
    assert.equal(odd.isMachine, false);
    assert.equal(odd.username, null);
  });

  test('memoised: a reused token gives the same principal object; per source', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken();
    const a = principalFromToken(verifier.verifySync(token), 'bearer');
    const b = principalFromToken(verifier.verifySync(token), 'bearer');
    assert.equal(a, b);
    const s = principalFromToken(verifier.verifySync(token), 'session');
    assert.notEqual(s, a);
    assert.equal(s.source, 'session');
  });

  test('a hand-built VerifiedToken still works (no memo)', () => {
    const { test: tp, verifier } = fixture();
    const v = verifier.verifySync(tp.accessToken());
    const copy = { claims: v.claims, pool: v.pool, tokenUse: v.tokenUse };
    assert.notEqual(principalFromToken(copy, 'bearer'), principalFromToken(copy, 'bearer'));
    const made = createVerifiedToken(v.claims, v.pool);
    assert.equal(principalFromToken(made, 'bearer'), principalFromToken(made, 'bearer'));
  });
});

describe('checkGroups / checkScopes', () => {
  const { test: tp, verifier } = fixture();
  const p = principalFromToken(
    verifier.verifySync(
      tp.idToken({
        groups: ['staff', 'Admins'],
        attributes: { 'custom:role': 'admin', 'custom:groups': 'admin' },
      }),
      { tokenUse: 'id' },
    ),
    'bearer',
  );
  const access = principalFromToken(
    verifier.verifySync(tp.accessToken({}, { scope: 'a/read a/write' })),
    'bearer',
  );
  const refused = (code: 'GROUP_REQUIRED' | 'SCOPE_REQUIRED' | 'CONFIG_INVALID') => (e: unknown) =>
    hasErrorCode(e, code);

  test('groups: at least one, exact code points', () => {
    checkGroups(p, ['staff']);
    checkGroups(p, ['nobody', 'Admins']);
    assert.throws(() => checkGroups(p, ['admins']), refused('GROUP_REQUIRED'));
    assert.throws(() => checkGroups(p, ['Staff']), refused('GROUP_REQUIRED'));
    assert.throws(() => checkGroups(p, ['staff\u200b']), refused('GROUP_REQUIRED'));
    assert.throws(() => checkGroups(p, ['Ａdmins']), refused('GROUP_REQUIRED'));
    assert.throws(() => checkGroups(p, []), refused('CONFIG_INVALID'));
  });

  test('a GROUP_REQUIRED refusal does not name the groups in its message or body', () => {
    let error: unknown;
    try {
      checkGroups(p, ['secret-admins', 'ops-oncall']);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof CognitoAuthError);
    assert.equal(error.code, 'GROUP_REQUIRED');
    assert.equal(error.message, 'Not in a group this resource requires');
    assert.deepEqual(error.details?.['groups'], ['secret-admins', 'ops-oncall']);
    const body = JSON.stringify(errorResponse(error).body);
    assert.ok(!body.includes('secret-admins') && !body.includes('ops-oncall'), body);
  });

  test('custom:* attributes never grant a group', () => {
    assert.throws(() => checkGroups(p, ['admin']), refused('GROUP_REQUIRED'));
  });

  test('scopes: all required', () => {
    checkScopes(access, ['a/read']);
    checkScopes(access, ['a/read', 'a/write']);
    assert.throws(() => checkScopes(access, ['a/read', 'a/delete']), refused('SCOPE_REQUIRED'));
    assert.throws(() => checkScopes(access, ['A/read']), refused('SCOPE_REQUIRED'));
    assert.throws(() => checkScopes(p, ['openid']), refused('SCOPE_REQUIRED')); // ID tokens carry no scopes
    assert.throws(() => checkScopes(access, []), refused('CONFIG_INVALID'));
  });
});
