import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CognitoAuthError } from '../../../src/errors/errors.ts';
import { authorize, resolveAuth, resolveAuthSync, resolveRequirements } from '../../../src/http/guards.ts';
import type { Authenticator, RequestLike } from '../../../src/http/types.ts';
import type { Principal } from '../../../src/principal/principal.ts';

const principal = (over: Partial<Principal> = {}) =>
  ({
    sub: 'u',
    groups: ['staff'],
    scopes: ['a', 'b'],
    tokenUse: 'access',
    source: 'bearer',
    ...over,
  }) as Principal;
const request: RequestLike = { method: 'GET', url: '/', header: () => undefined };

function fixed(kind: 'bearer' | 'session', result: Principal | null | Error, setCookies: string[] = []) {
  const contexts: unknown[] = [];
  const a: Authenticator & { contexts: unknown[] } = {
    kind,
    contexts,
    async authenticate(_r: RequestLike, context?: unknown) {
      contexts.push(context);
      if (result instanceof Error) throw result;
      return { principal: result, setCookies };
    },
  } as never;
  return a;
}

test('resolveRequirements: modes, defaults, groups/scopes imply required, contradictions refused', () => {
  assert.equal(resolveRequirements(undefined).mode, 'required');
  assert.equal(resolveRequirements(undefined, 'optional').mode, 'optional');
  assert.equal(resolveRequirements('public').mode, 'public');
  assert.equal(resolveRequirements({ groups: ['x'] }, 'optional').mode, 'required');
  assert.ok(Object.isFrozen(resolveRequirements({ scopes: ['s'] })));
  for (const bad of [
    { mode: 'maybe' },
    { groups: 'admins' },
    { scopes: [''] },
    { tokenUse: 'refresh' },
    { mode: 'public', groups: ['a'] },
  ]) {
    assert.throws(() => resolveRequirements(bad as never), { code: 'CONFIG_INVALID' }, JSON.stringify(bad));
  }
});

test('authorize: missing credentials code depends on the authenticators', () => {
  const required = resolveRequirements('required');
  assert.throws(() => authorize(null, required, [fixed('bearer', null)]), { code: 'TOKEN_MISSING' });
  assert.throws(() => authorize(null, required, [fixed('session', null), fixed('bearer', null)]), {
    code: 'AUTH_REQUIRED',
  });
  assert.throws(() => authorize(null, required), { code: 'AUTH_REQUIRED' });
  assert.equal(authorize(null, resolveRequirements('optional')), null);
});

test('authorize: groups any-of, scopes all-of with the scopes in details', () => {
  const p = principal();
  assert.equal(authorize(p, resolveRequirements({ groups: ['admins', 'staff'] })), p);
  assert.throws(() => authorize(p, resolveRequirements({ groups: ['Staff'] })), { code: 'GROUP_REQUIRED' });
  assert.equal(authorize(p, resolveRequirements({ scopes: ['a', 'b'] })), p);
  assert.throws(
    () => authorize(p, resolveRequirements({ scopes: ['a', 'c'] })),
    (error: CognitoAuthError) =>
      error.code === 'SCOPE_REQUIRED' && String(error.details?.['scopes']) === 'a,c',
  );
});

test('resolveAuth: public never calls authenticators', async () => {
  const a = fixed('bearer', principal());
  const result = await resolveAuth(request, [a], resolveRequirements('public'));
  assert.deepEqual(result, { ok: true, principal: null, setCookies: [] });
  assert.equal(a.contexts.length, 0);
});

test('resolveAuth: first principal wins, cookies of every authenticator tried are kept', async () => {
  const session = fixed('session', null, ['clear=1']);
  const bearer = fixed('bearer', principal({ sub: 'b' }));
  const later = fixed('bearer', principal({ sub: 'later' }));
  const result = await resolveAuth(
    request,
    [session, bearer, later],
    resolveRequirements({ tokenUse: 'id' }),
  );
  assert.equal(result.ok, true);
  assert.equal(result.ok && result.principal?.sub, 'b');
  assert.deepEqual(result.setCookies, ['clear=1']);
  assert.equal(later.contexts.length, 0);
  assert.deepEqual(bearer.contexts, [{ tokenUse: 'id' }]);
});

test('resolveAuth: never throws; errors and unmet requirements come back as results', async () => {
  const failing = await resolveAuth(
    request,
    [fixed('session', null, ['s=1']), fixed('bearer', new CognitoAuthError('TOKEN_EXPIRED', 'x'))],
    resolveRequirements('optional'),
  );
  assert.equal(failing.ok, false);
  assert.equal(!failing.ok && (failing.error as CognitoAuthError).code, 'TOKEN_EXPIRED');
  assert.deepEqual(failing.setCookies, ['s=1']);
  const missing = await resolveAuth(request, [fixed('bearer', null)], resolveRequirements('required'));
  assert.equal(!missing.ok && (missing.error as CognitoAuthError).code, 'TOKEN_MISSING');
  const forbidden = await resolveAuth(
    request,
    [fixed('bearer', principal())],
    resolveRequirements({ groups: ['x'] }),
  );
  assert.equal(!forbidden.ok && (forbidden.error as CognitoAuthError).code, 'GROUP_REQUIRED');
});

test('resolveAuthSync: answers only when every authenticator it asks can answer without I/O', () => {
  const required = resolveRequirements('required');
  const sync = (result: Principal | null | Error | undefined): Authenticator => ({
    kind: 'bearer',
    authenticate: async () => ({ principal: null, setCookies: [] }),
    authenticateSync() {
      if (result instanceof Error) throw result;
      return result === undefined ? undefined : { principal: result, setCookies: [] };
    },
  });
  const p = principal();
  // No fast path on the session authenticator: the promise path decides.
  assert.equal(resolveAuthSync(request, [fixed('session', null), sync(p)], required), undefined);
  assert.equal(resolveAuthSync(request, [sync(undefined)], required), undefined);
  assert.deepEqual(resolveAuthSync(request, [sync(p)], required), { ok: true, principal: p, setCookies: [] });
  // The first principal wins; a later authenticator is not asked.
  assert.equal(resolveAuthSync(request, [sync(p), sync(undefined)], required)?.ok, true);
  const refused = resolveAuthSync(request, [sync(new CognitoAuthError('TOKEN_EXPIRED', 'x'))], required);
  assert.equal(refused?.ok, false);
  const missing = resolveAuthSync(request, [sync(null)], required);
  assert.equal(missing?.ok === false && (missing.error as CognitoAuthError).code, 'TOKEN_MISSING');
  assert.equal(resolveAuthSync(request, [sync(undefined)], resolveRequirements('public'))?.ok, true);
});
