import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromEnv } from '../../../src/config/from-env.ts';
import { type PoolOptions, definePool, poolFromEnv } from '../../../src/config/pool.ts';
import { hasErrorCode } from '../../../src/errors/errors.ts';

const base: PoolOptions = { userPoolId: 'eu-west-1_AbC123xyz', clientId: '5q1example7clientid0' };

function refusedNaming(options: unknown, option: string) {
  assert.throws(
    () => definePool(options as PoolOptions),
    (e) => hasErrorCode(e, 'CONFIG_INVALID') && e.message.includes(option),
    `expected CONFIG_INVALID naming ${option}`,
  );
}

describe('definePool', () => {
  test('derives region, issuer and JWKS URL; frozen', () => {
    const pool = definePool(base);
    assert.equal(pool.region, 'eu-west-1');
    assert.equal(pool.issuer, 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz');
    assert.equal(pool.jwksUri, `${pool.issuer}/.well-known/jwks.json`);
    assert.deepEqual(pool.clientIds, ['5q1example7clientid0']);
    assert.equal(pool.clientId, '5q1example7clientid0');
    assert.equal(pool.domain, undefined);
    assert.equal(pool.endpoints, undefined);
    assert.ok(Object.isFrozen(pool));
    assert.ok(Object.isFrozen(pool.clientIds));
    assert.equal(definePool({ ...base, userPoolId: 'us-gov-west-1_Abc' }).region, 'us-gov-west-1');
  });

  test('several clients, de-duplicated, first is the login client', () => {
    const pool = definePool({ ...base, clientId: ['a1', 'b2', 'a1'] });
    assert.deepEqual(pool.clientIds, ['a1', 'b2']);
    assert.equal(pool.clientId, 'a1');
  });

  test('errors name the bad option', () => {
    refusedNaming(null, 'pool options');
    refusedNaming({ clientId: 'c' }, 'userPoolId');
    refusedNaming({ ...base, userPoolId: 'AbC123' }, 'userPoolId');
    refusedNaming({ ...base, userPoolId: 'eu-west-1_' }, 'userPoolId');
    refusedNaming({ ...base, userPoolId: `eu-west-1_${'a'.repeat(60)}` }, 'userPoolId');
    refusedNaming({ ...base, region: 'us-east-1' }, 'region');
    refusedNaming({ ...base, region: 'EU' }, 'region');
    refusedNaming({ ...base, clientId: [] }, 'clientId');
    refusedNaming({ ...base, clientId: '' }, 'clientId');
    refusedNaming({ ...base, clientId: 'has space' }, 'clientId');
    refusedNaming({ ...base, clientId: [1] }, 'clientId');
    refusedNaming({ ...base, clientSecret: '' }, 'clientSecret');
    refusedNaming({ ...base, issuer: 'not a url' }, 'issuer');
    refusedNaming({ ...base, issuer: 'ftp://x.example/p' }, 'issuer');
    refusedNaming({ ...base, jwksUri: 'https://user:pw@x.example/jwks' }, 'jwksUri');
    refusedNaming({ ...base, jwksUri: 'https://x.example/jwks?x=1' }, 'jwksUri');
    refusedNaming({ ...base, domain: 'http://auth.example.com' }, 'domain');
  });

  test('plain http only for loopback hosts, unless dangerouslyAllowInsecureHttp', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
      const pool = definePool({ ...base, issuer: `http://${host}:9229/eu-west-1_AbC123xyz` });
      assert.equal(pool.jwksUri, `http://${host}:9229/eu-west-1_AbC123xyz/.well-known/jwks.json`);
    }
    refusedNaming({ ...base, issuer: 'http://cognito.internal/eu-west-1_AbC123xyz' }, 'issuer');
    refusedNaming({ ...base, jwksUri: 'http://10.0.0.1/jwks.json' }, 'jwksUri');
    refusedNaming({ ...base, issuer: 'http://localhost.evil.example/p' }, 'issuer');
    refusedNaming({ ...base, issuer: 'http://127.0.0.1.evil.example/p' }, 'issuer');
    const insecure = definePool({
      ...base,
      issuer: 'http://cognito.internal/eu-west-1_AbC123xyz',
      dangerouslyAllowInsecureHttp: true,
    });
    assert.equal(insecure.allowInsecureHttp, true);
    assert.equal(insecure.issuer, 'http://cognito.internal/eu-west-1_AbC123xyz');
  });

  test('issuer and jwksUri overrides (emulator) keep their exact value, trailing slash removed', () => {
    const pool = definePool({
      ...base,
      issuer: 'http://localhost:4566/eu-west-1_AbC123xyz/',
      jwksUri: 'http://localhost:4566/eu-west-1_AbC123xyz/.well-known/jwks.json',
    });
    assert.equal(pool.issuer, 'http://localhost:4566/eu-west-1_AbC123xyz');
    assert.equal(pool.jwksUri, 'http://localhost:4566/eu-west-1_AbC123xyz/.well-known/jwks.json');
  });

  test('domain: bare host means https; custom domains; endpoints derived', () => {
    const pool = definePool({ ...base, domain: 'auth.example.com' });
    assert.equal(pool.domain, 'https://auth.example.com');
    assert.equal(pool.endpoints?.authorize, 'https://auth.example.com/oauth2/authorize');
    assert.equal(pool.endpoints?.token, 'https://auth.example.com/oauth2/token');
    assert.equal(pool.endpoints?.userInfo, 'https://auth.example.com/oauth2/userInfo');
    assert.equal(pool.endpoints?.logout, 'https://auth.example.com/logout');
    const prefix = definePool({ ...base, domain: 'https://myprefix.auth.eu-west-1.amazoncognito.com/' });
    assert.equal(prefix.domain, 'https://myprefix.auth.eu-west-1.amazoncognito.com');
  });

  test('clientSecret is kept but not enumerable', () => {
    const pool = definePool({ ...base, clientSecret: 's3cr3t-value' });
    assert.equal(pool.clientSecret, 's3cr3t-value');
    assert.ok(!Object.keys(pool).includes('clientSecret'));
    assert.ok(!JSON.stringify(pool).includes('s3cr3t-value'));
    assert.ok(!JSON.stringify({ ...pool }).includes('s3cr3t-value'));
  });
});

describe('poolFromEnv / fromEnv', () => {
  const env = {
    COGNITO_USER_POOL_ID: 'eu-west-1_AbC123xyz',
    COGNITO_CLIENT_ID: ' web1 , api2 ',
    COGNITO_CLIENT_SECRET: 'shh',
    COGNITO_DOMAIN: 'auth.example.com',
  };

  test('reads COGNITO_* variables', () => {
    const pool = poolFromEnv(env);
    assert.deepEqual(pool.clientIds, ['web1', 'api2']);
    assert.equal(pool.clientSecret, 'shh');
    assert.equal(pool.domain, 'https://auth.example.com');
    const overridden = poolFromEnv({
      ...env,
      COGNITO_REGION: 'eu-west-1',
      COGNITO_ISSUER: 'http://127.0.0.1:9229/eu-west-1_AbC123xyz',
      COGNITO_JWKS_URI: 'http://127.0.0.1:9229/jwks.json',
    });
    assert.equal(overridden.issuer, 'http://127.0.0.1:9229/eu-west-1_AbC123xyz');
    assert.equal(overridden.jwksUri, 'http://127.0.0.1:9229/jwks.json');
  });

  test('COGNITO_DANGEROUSLY_ALLOW_INSECURE_HTTP, the variable the http error names, allows http for other hosts', () => {
    const compose = { ...env, COGNITO_ISSUER: 'http://cognito:9229/eu-west-1_AbC123xyz' };
    let message = '';
    try {
      poolFromEnv(compose);
    } catch (e) {
      assert.ok(hasErrorCode(e, 'CONFIG_INVALID'));
      message = e.message;
    }
    const variable = /COGNITO_[A-Z_]+=true/.exec(message)?.[0];
    assert.ok(variable, message);
    const [name, value] = variable.split('=') as [string, string];
    const pool = poolFromEnv({ ...compose, [name]: value });
    assert.equal(pool.issuer, 'http://cognito:9229/eu-west-1_AbC123xyz');
    assert.equal(pool.allowInsecureHttp, true);
    assert.equal(fromEnv({ ...compose, [name]: '1' }).pool.allowInsecureHttp, true);
    assert.equal(poolFromEnv({ ...env, [name]: 'false' }).allowInsecureHttp, false);
    assert.throws(
      () => poolFromEnv({ ...compose, [name]: 'yes please' }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID') && e.message.includes(name),
    );
  });

  test('missing variables are named', () => {
    assert.throws(
      () => poolFromEnv({ COGNITO_CLIENT_ID: 'c' }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID') && e.message.includes('COGNITO_USER_POOL_ID'),
    );
    assert.throws(
      () => poolFromEnv({ COGNITO_USER_POOL_ID: 'eu-west-1_Abc', COGNITO_CLIENT_ID: '  ' }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID') && e.message.includes('COGNITO_CLIENT_ID'),
    );
  });

  test('fromEnv: secrets are not enumerable; APP_URL validated', () => {
    const config = fromEnv({
      ...env,
      APP_URL: 'https://app.example.com',
      SESSION_SECRET: 'one, two',
      COGNITO_WEBHOOK_SECRET: 'hook',
      DATABASE_URL: 'postgres://x',
    });
    assert.deepEqual(config.sessionSecrets, ['one', 'two']);
    assert.equal(config.webhookSecret, 'hook');
    assert.equal(config.appUrl, 'https://app.example.com');
    const printed = JSON.stringify(config);
    for (const secret of ['one', 'hook', 'shh']) assert.ok(!printed.includes(`"${secret}`), secret);
    assert.ok(Object.isFrozen(config));
    assert.throws(
      () => fromEnv({ ...env, APP_URL: 'app.example.com' }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID') && e.message.includes('APP_URL'),
    );
  });
});
