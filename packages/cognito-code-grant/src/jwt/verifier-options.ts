/** The verifier's options: checked once (CONFIG_INVALID), defaults applied, pools and their JWKS caches built. */
import { availableParallelism } from 'node:os';
import type { PoolConfig } from '../config/pool.ts';
import { CognitoAuthError } from '../errors/errors.ts';
import { describeServerError } from '../errors/server-errors.ts';
import { JwksCache, type JwksErrorListener, MIN_JWKS_COOLDOWN_MS } from '../jwks/cache.ts';
import { DEFAULT_MAX_TOKEN_LENGTH } from './decode.ts';
import type { TokenCache } from './token-cache.ts';
import type { PoolState, VerifierOptions } from './verifier.ts';

/** Cognito's longest ID and access token lifetime: one day (cognito-facts.md, "Lifetimes"). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/** The default `onJwksError`: one `console.error` line with the code, message and cause. */
export const logJwksError: JwksErrorListener = (error, { jwksUri }) => {
  console.error(`cognito-code-grant: JWKS ${jwksUri}: ${describeServerError(error)}`);
};

export function configInvalid(message: string): never {
  throw new CognitoAuthError('CONFIG_INVALID', message);
}

function checkNumberOption(name: string, value: unknown, min: number, max: number, integer: boolean): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    configInvalid(`${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}`);
  }
}

/** The options with their defaults, after every check. */
export interface VerifierSettings {
  readonly poolList: readonly PoolConfig[];
  readonly now: () => number;
  readonly skewMs: number;
  readonly cacheSize: number;
  readonly maxTokenLength: number;
  readonly maxLifetime: number;
  readonly onJwksError: NonNullable<VerifierOptions['onJwksError']>;
  readonly denylist: VerifierOptions['denylist'];
  readonly signatureThread: boolean;
}

export function resolveVerifierOptions(options: VerifierOptions): VerifierSettings {
  if (typeof options !== 'object' || options === null) configInvalid('verifier options must be an object');
  const poolList: readonly PoolConfig[] = Array.isArray(options.pools)
    ? (options.pools as readonly PoolConfig[])
    : [options.pools as PoolConfig];
  if (poolList.length === 0) configInvalid('pools must name at least one pool');
  checkNumberOption('clockSkewSeconds', options.clockSkewSeconds, 0, 60, false);
  checkNumberOption('tokenCacheSize', options.tokenCacheSize, 0, 10_000_000, true);
  checkNumberOption('maxTokenLength', options.maxTokenLength, 1, 1_048_576, true);
  checkNumberOption('maxTokenLifetimeSeconds', options.maxTokenLifetimeSeconds, 1, 315_360_000, true);
  checkNumberOption('jwks.timeoutMs', options.jwks?.timeoutMs, 1, 600_000, true);
  checkNumberOption('jwks.maxBytes', options.jwks?.maxBytes, 1, 64 * 1024 * 1024, true);
  // Below 1 s the cooldown no longer limits refetches on a flood of unknown `kid`s.
  checkNumberOption('jwks.cooldownMs', options.jwks?.cooldownMs, MIN_JWKS_COOLDOWN_MS, 86_400_000, true);
  checkNumberOption('jwks.maxAgeMs', options.jwks?.maxAgeMs, 0, 86_400_000, true);
  if (options.now !== undefined && typeof options.now !== 'function') configInvalid('now must be a function');
  if (options.fetch !== undefined && typeof options.fetch !== 'function')
    configInvalid('fetch must be a function');
  if (options.onJwksError !== undefined && typeof options.onJwksError !== 'function')
    configInvalid('onJwksError must be a function');
  if (options.signatureThread !== undefined && typeof options.signatureThread !== 'boolean')
    configInvalid('signatureThread must be a boolean');

  const now = options.now ?? Date.now;
  const skewMs = (options.clockSkewSeconds ?? 5) * 1000;
  const cacheSize = options.tokenCacheSize ?? 10_000;
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const onJwksError = options.onJwksError ?? logJwksError;

  const denylist = options.denylist;
  if (denylist !== undefined && typeof denylist?.has !== 'function')
    configInvalid('denylist must come from createOriginDenylist()');
  // With one core the helper could only take turns with this thread.
  const signatureThread = options.signatureThread ?? availableParallelism() > 1;
  return {
    poolList,
    now,
    skewMs,
    cacheSize,
    maxTokenLength,
    maxLifetime,
    onJwksError,
    denylist,
    signatureThread,
  };
}

/** One JWKS cache per distinct JWKS URI, and each pool by its exact issuer. */
export function buildPools(
  settings: VerifierSettings,
  options: VerifierOptions,
  tokenCache: TokenCache,
): { byIssuer: Map<string, PoolState>; byJwksUri: Map<string, JwksCache> } {
  const { now, onJwksError } = settings;
  const byIssuer = new Map<string, PoolState>();
  const byJwksUri = new Map<string, JwksCache>();
  for (const pool of settings.poolList) {
    if (
      typeof pool !== 'object' ||
      pool === null ||
      typeof pool.issuer !== 'string' ||
      !Array.isArray(pool.clientIds)
    ) {
      configInvalid('pools must be created with definePool()');
    }
    if (byIssuer.has(pool.issuer)) configInvalid(`pools: issuer ${pool.issuer} is configured twice`);
    let jwks = byJwksUri.get(pool.jwksUri);
    if (jwks === undefined) {
      jwks = new JwksCache({
        jwksUri: pool.jwksUri,
        fetch: options.fetch,
        now,
        timeoutMs: options.jwks?.timeoutMs,
        maxBytes: options.jwks?.maxBytes,
        cooldownMs: options.jwks?.cooldownMs,
        maxAgeMs: options.jwks?.maxAgeMs,
        onError: onJwksError,
      });
      const cache = jwks;
      // A key that leaves the JWKS takes the tokens it signed out of the cache.
      cache.onKeysRemoved((kids) => tokenCache.dropSignedBy(cache, kids));
      byJwksUri.set(pool.jwksUri, jwks);
    }
    byIssuer.set(pool.issuer, { pool, jwks });
  }
  return { byIssuer, byJwksUri };
}
