/**
 * A missing AWS SDK is the same friendly error as a missing database driver: the package named,
 * what needs it, CONFIG_INVALID, exit 1. Both packages are made unresolvable for this process.
 */
import assert from 'node:assert/strict';
import * as nodeModule from 'node:module';
import { test } from 'node:test';

/** `module.registerHooks` (Node 22.15+, 23.5+: why the repository's engines ask for 22.15). */
type ResolveNext = (specifier: string, context: unknown) => unknown;
const { registerHooks } = nodeModule as unknown as {
  registerHooks(hooks: { resolve(specifier: string, context: unknown, next: ResolveNext): unknown }): void;
};

const MISSING = new Set(['@aws-sdk/client-cognito-identity-provider', 'pg']);
registerHooks({
  resolve(specifier, context, next) {
    if (MISSING.has(specifier)) {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    return next(specifier, context);
  },
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: {}, isTTY: false },
    err,
  };
}

const FRIENDLY =
  /^error CONFIG_INVALID: the "([^"]+)" package is required for [^\n]+ \(ERR_MODULE_NOT_FOUND: Cannot find package '\1'\)\n$/;

test('sync without the AWS SDK: the same message as a database URL without its driver', async () => {
  const { main } = await import('../../src/cli/main.ts');
  const sync = io();
  const args = ['--database-url', 'sqlite::memory:', '--user-pool-id', 'eu-west-1_NoSdk1'];
  for (const endpoint of [[], ['--endpoint', 'http://127.0.0.1:1']]) {
    assert.equal(await main(['sync', ...args, ...endpoint], sync.io), 1);
  }
  const driver = io();
  assert.equal(await main(['migrate', '--database-url', 'postgres://127.0.0.1:1/x'], driver.io), 1);
  assert.match(driver.err.join(''), FRIENDLY);
  assert.equal(sync.err.length, 2);
  for (const line of sync.err) {
    assert.match(line, FRIENDLY);
    assert.match(line, /"@aws-sdk\/client-cognito-identity-provider" package is required for the sync/);
  }
});
