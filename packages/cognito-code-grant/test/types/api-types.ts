/**
 * Compile-time tests of the public API: `npm run typecheck` (part of CI) fails when a line marked
 * `@ts-expect-error` starts to compile, i.e. when a misuse is no longer caught by the types.
 * Nothing here runs.
 */
import {
  type CognitoAuthErrorCode,
  createBearerAuthenticator,
  createCognitoLogin,
  createCognitoVerifier,
  createMemorySessionStore,
  definePool,
  type Principal,
} from 'cognito-code-grant';
import { cognitoAuth, requireGroup } from 'cognito-code-grant/express';
import { createSqlSessionStore, type SqlSessionStore } from 'cognito-code-grant/kysely';
import { createRedisSessionStore } from 'cognito-code-grant/redis';
import type { Kysely } from 'kysely';

const pool = definePool({ userPoolId: 'eu-west-1_AbC123xyz', clientId: 'abc123' });
const verifier = createCognitoVerifier({ pools: pool });

export async function shouldCompile(principal: Principal) {
  const { claims } = await verifier.verify('token', { tokenUse: 'id' });
  const use: 'id' | 'access' = claims.token_use;
  const code: CognitoAuthErrorCode = 'TOKEN_EXPIRED';
  const groups: readonly string[] = principal.groups;
  createBearerAuthenticator({ verifier, tokenUse: 'access' });
  cognitoAuth({ verifier, groups: ['editors'] });
  requireGroup('admins');
  return [use, code, groups];
}

// Every session store docs/sessions.md names, from the subpath it names.
export function documentedStores(db: Kysely<any>, redis: Parameters<typeof createRedisSessionStore>[0]) {
  const sql: SqlSessionStore = createSqlSessionStore(db, { tablePrefix: 'cognito_' });
  return [sql, createRedisSessionStore(redis, { prefix: 'app:' }), createMemorySessionStore()];
}

export async function shouldNotCompile(principal: Principal) {
  // @ts-expect-error a verifier needs its pools
  createCognitoVerifier({});
  // @ts-expect-error `refresh` is not a token use
  await verifier.verify('token', { tokenUse: 'refresh' });
  // @ts-expect-error the principal's groups are read-only
  principal.groups.push('admins');
  // @ts-expect-error the principal is frozen
  principal.sub = 'someone-else';
  // @ts-expect-error error codes are a closed set
  const code: CognitoAuthErrorCode = 'TOKEN_BAD';
  // @ts-expect-error browser login needs a session configuration
  createCognitoLogin({ pool, appUrl: 'http://localhost:3000' });
  // @ts-expect-error the pool id is required
  definePool({ clientId: 'abc123' });
  return code;
}
