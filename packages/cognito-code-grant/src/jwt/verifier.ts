/**
 * The Cognito token verifier (SECURITY.md "Tokens" and "Keys"). Order of checks:
 * 1. strict decode and header checks (RS256 only, no key-bearing headers);
 * 2. `iss` must EXACTLY equal a configured pool issuer, before any key is chosen or fetched, so a
 *    token from someone else's pool never makes us fetch anything;
 * 3. the key by `kid` from THAT pool's JWKS, then the RS256 check (rs256.ts) with a prepared KeyObject
 *    (`verify()` shares overlapping ones with a helper thread, signature.ts);
 * 4. claim types, `exp` / `nbf` / `iat` with skew, then per call `token_use` and the app client.
 *
 * Verified tokens are cached by the exact token string until `exp`; a hit re-checks `exp` and the
 * per-call options only, which makes a reused token nearly free.
 */
import type { PoolConfig } from '../config/pool.ts';
import { CognitoAuthError } from '../errors/errors.ts';
import type { JwksCache, JwksErrorListener } from '../jwks/cache.ts';
import type { CognitoClaims } from './claims.ts';
import { checkClaimTypes, checkUseAndClient, deepFreeze } from './claim-checks.ts';
import { type DecodedJwt, KnownHeaders, decodeJwt } from './decode.ts';
import { SignatureScheduler, verifySignature } from './signature.ts';
import { signatureThread } from './signature-thread.ts';
import { TokenCache } from './token-cache.ts';
import { checkTokenTimes } from './token-times.ts';
import { type VerifiedToken, createVerifiedToken } from './verified.ts';
import { observedVerify } from './verifier-observed.ts';
import { buildPools, configInvalid, resolveVerifierOptions } from './verifier-options.ts';

export type { VerifiedToken } from './verified.ts';
export type { JwksErrorListener } from '../jwks/cache.ts';

export { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, logJwksError } from './verifier-options.ts';

export interface VerifierOptions {
  /** Pools from `definePool()`; several pools are allowed (their issuers must differ). */
  pools: PoolConfig | readonly PoolConfig[];
  /** Allowed clock difference for `exp`, `nbf` and `iat`. Default 5, at most 60. */
  clockSkewSeconds?: number;
  /** Verified tokens kept in memory. Default 10 000; 0 disables the cache. */
  tokenCacheSize?: number;
  /** Longest token accepted, in characters. Default 16 384. */
  maxTokenLength?: number;
  /**
   * Longest `exp - iat` accepted (`TOKEN_LIFETIME_TOO_LONG` beyond). Default 86 400 (one day,
   * Cognito's maximum for ID and access tokens); raise it only for an emulator that mints longer.
   */
  maxTokenLifetimeSeconds?: number;
  /**
   * Told when a JWKS fetch fails or answers a document without a usable key (`JWKS_FETCH_FAILED`,
   * `JWKS_INVALID`), once per cause until a fetch succeeds again: cached keys keep serving, so
   * an outage is otherwise invisible. Default: one `console.error` line (`logJwksError`).
   */
  onJwksError?: JwksErrorListener;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Used for JWKS downloads. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /**
   * JWKS fetching: `timeoutMs` (3000), `maxBytes` (65 536), `cooldownMs` (10 000: no refetch
   * for that long after a fetch that failed or lacked a wanted `kid`), `maxAgeMs` (600 000: keys
   * older than this are refetched in the background by `verify()`, so a key removed from the
   * JWKS stops verifying; 0 never).
   */
  jwks?: { timeoutMs?: number; maxBytes?: number; cooldownMs?: number; maxAgeMs?: number };
  /**
   * The origin deny-list (`createOriginDenylist`): a token whose `origin_jti` it holds is refused
   * with TOKEN_REVOKED, on every verification and every cache hit. `has` is synchronous (an
   * in-memory lookup kept current by the session store's push channel) and may throw
   * DENYLIST_UNAVAILABLE. Tokens without `origin_jti` are not checked. With `onChange` (called
   * whenever an answer of `has` could change from false), a cached token found clean is not
   * looked up again until then: the lookup leaves the cache-hit path.
   */
  denylist?: { has(originJti: string): boolean; onChange?(listener: () => void): unknown } | undefined;
  /**
   * Share the RSA checks of overlapping `verify()` calls (started in the same synchronous run,
   * e.g. `Promise.all`) with a helper thread, one per thread that loads the library, shared by
   * every verifier and started on the first overlap. Default: true where more than one CPU is
   * available (`os.availableParallelism()`); a lone verification, and `verifySync`, always run
   * on the calling thread.
   */
  signatureThread?: boolean;
}

export interface VerifyOptions {
  /** Which token the route expects. Default `'access'`: an ID token is refused unless `'id'` or `'any'`. */
  tokenUse?: 'access' | 'id' | 'any';
  /** Narrows the pool's configured app clients for this call. */
  clientId?: string | readonly string[];
}

export interface CognitoVerifier {
  /** Verifies a token, fetching the pool's JWKS when the `kid` is not cached. */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedToken>;
  /** Verifies with cached keys only; `TOKEN_KID_UNKNOWN` when the key is not cached (see `preload`). */
  verifySync(token: string, options?: VerifyOptions): VerifiedToken;
  /**
   * The result of an earlier verification of exactly this token, still valid (expiry, the
   * deny-list and the per-call options re-checked), or undefined: no decoding, no crypto. Lets
   * an adapter answer a reused token without a promise.
   */
  verifyCached(token: string, options?: VerifyOptions): VerifiedToken | undefined;
  /** Fetches every pool's JWKS. */
  preload(): Promise<void>;
  /** issuer -> JWKS document of the cached keys, for `loadJwks` in a later (serverless) process. */
  exportJwks(): Record<string, unknown>;
  /** Loads a JWKS document for the pool with this issuer (no fetch). */
  loadJwks(issuer: string, jwks: unknown): void;
}

export interface PoolState {
  readonly pool: PoolConfig;
  readonly jwks: JwksCache;
}

/**
 * Creates a verifier for one or several user pools.
 * @example
 * const verifier = createCognitoVerifier({ pools: definePool({ userPoolId, clientId }) });
 * const { claims } = await verifier.verify(bearerToken); // access token by default
 */
export function createCognitoVerifier(options: VerifierOptions): CognitoVerifier {
  const settings = resolveVerifierOptions(options);
  const { now, skewMs, cacheSize, maxTokenLength, maxLifetime, denylist } = settings;
  // Bumped by the list on every change that could refuse a token found clean before.
  let denyGeneration = 0;
  const denyTracked = typeof denylist?.onChange === 'function';
  if (denyTracked)
    denylist!.onChange!(() => {
      denyGeneration++;
    });
  /** TOKEN_REVOKED when the token's origin is on the deny-list. */
  function checkOrigin(claims: Readonly<CognitoClaims>): void {
    const origin = claims.origin_jti;
    if (typeof origin === 'string' && denylist!.has(origin))
      throw new CognitoAuthError('TOKEN_REVOKED', 'the session this token was issued in has ended');
  }

  const tokenCache = new TokenCache(cacheSize);
  const signatures = new SignatureScheduler(settings.signatureThread ? signatureThread : undefined);
  // Header segments that signed a valid token: parsed and checked once (a pool uses a handful).
  const knownHeaders = new KnownHeaders();
  const { byIssuer, byJwksUri } = buildPools(settings, options, tokenCache);

  const jwksList = [...byJwksUri.values()];
  const onlyPool = byIssuer.size === 1 ? [...byIssuer.values()][0] : undefined;
  /** The pool whose issuer is exactly `iss`. One pool (the usual case): a comparison, no hashing. */
  const poolOf = (iss: string): PoolState | undefined =>
    onlyPool === undefined ? byIssuer.get(iss) : iss === onlyPool.pool.issuer ? onlyPool : undefined;

  /**
   * The cache hit path: re-check expiry and per-call options only. `t`: the time now (epoch ms)
   * when the caller has read the clock already; else it is read on a hit only.
   */
  function fromCache(
    token: string,
    verifyOptions: VerifyOptions | undefined,
    t?: number,
  ): VerifiedToken | undefined {
    const entry = tokenCache.get(token);
    if (entry === undefined) return undefined;
    if ((t ?? now()) >= entry.deadline) {
      tokenCache.delete(entry);
      throw new CognitoAuthError('TOKEN_EXPIRED', 'token has expired');
    }
    checkUseAndClient(entry.verified.claims, entry.verified.pool, verifyOptions);
    if (denylist !== undefined && entry.origin !== undefined && entry.cleanAt !== denyGeneration) {
      if (denylist.has(entry.origin))
        throw new CognitoAuthError('TOKEN_REVOKED', 'the session this token was issued in has ended');
      // Without onChange the lookup runs on every hit (cleanAt stays -1).
      if (denyTracked) entry.cleanAt = denyGeneration;
    }
    return entry.verified;
  }

  /** Steps 1-2: decode, then find the pool by exact issuer before touching any key. */
  function decodeForPool(token: string): { decoded: DecodedJwt; state: PoolState } {
    const decoded = decodeJwt(token, maxTokenLength, knownHeaders);
    const iss = decoded.payload['iss'];
    const state = typeof iss === 'string' ? poolOf(iss) : undefined;
    if (state === undefined)
      throw new CognitoAuthError('TOKEN_ISSUER_INVALID', 'token issuer is not a configured pool');
    return { decoded, state };
  }

  /** Step 4, once the signature was checked: claims, cache, per-call checks. */
  function accept(
    token: string,
    decoded: DecodedJwt,
    state: PoolState,
    signatureOk: boolean,
    verifyOptions: VerifyOptions | undefined,
  ): VerifiedToken {
    if (!signatureOk) throw new CognitoAuthError('TOKEN_SIGNATURE_INVALID', 'token signature is invalid');
    knownHeaders.add(decoded.headerSegment, decoded.header);
    const claims = checkClaimTypes(decoded.payload);
    const deadline = checkTokenTimes(claims, now(), skewMs, maxLifetime);
    const verified = createVerifiedToken(deepFreeze(claims), state.pool);
    if (cacheSize > 0)
      tokenCache.set({
        token,
        verified,
        deadline,
        kid: decoded.header.kid,
        jwks: state.jwks,
        origin: typeof claims.origin_jti === 'string' ? claims.origin_jti : undefined,
        cleanAt: -1,
      });
    checkUseAndClient(claims, state.pool, verifyOptions);
    if (denylist !== undefined) checkOrigin(claims);
    return verified;
  }

  function verifySyncUnobserved(token: string, verifyOptions?: VerifyOptions): VerifiedToken {
    if (typeof token === 'string' && token.length <= maxTokenLength) {
      const hit = fromCache(token, verifyOptions);
      if (hit !== undefined) return hit;
    }
    const { decoded, state } = decodeForPool(token);
    const key = state.jwks.getCached(decoded.header.kid);
    if (key === undefined)
      throw new CognitoAuthError('TOKEN_KID_UNKNOWN', 'no cached JWKS key with this kid');
    return accept(token, decoded, state, verifySignature(token, decoded, key), verifyOptions);
  }

  async function verifyUnobserved(token: string, verifyOptions?: VerifyOptions): Promise<VerifiedToken> {
    // Old keys are refetched in the background (verifySync does no I/O): a removed key then
    // leaves the cache, and the verified tokens it signed with it. One clock read serves the
    // age check and the cache hit.
    const t = now();
    for (const jwks of jwksList) jwks.refreshIfStale(t);
    if (typeof token === 'string' && token.length <= maxTokenLength) {
      const hit = fromCache(token, verifyOptions, t);
      if (hit !== undefined) return hit;
    }
    const { decoded, state } = decodeForPool(token);
    const kid = decoded.header.kid;
    const key = state.jwks.getCached(kid) ?? (await state.jwks.getKey(kid));
    // Here when alone; shared with the helper thread when verifications overlap (signature.ts).
    const ok = signatures.verify(token, decoded, key);
    return accept(token, decoded, state, typeof ok === 'boolean' ? ok : await ok, verifyOptions);
  }

  function verifyCachedUnobserved(token: string, verifyOptions?: VerifyOptions): VerifiedToken | undefined {
    // As verify() does: a hot cache must not keep a removed key's tokens past maxAgeMs.
    const t = now();
    for (const jwks of jwksList) jwks.refreshIfStale(t);
    return typeof token === 'string' && token.length <= maxTokenLength
      ? fromCache(token, verifyOptions, t)
      : undefined;
  }
  const { verify, verifySync, verifyCached } = observedVerify({
    verify: verifyUnobserved,
    verifySync: verifySyncUnobserved,
    verifyCached: verifyCachedUnobserved,
  });

  return Object.freeze({
    verify,
    verifySync,
    verifyCached,
    async preload(): Promise<void> {
      await Promise.all([...byJwksUri.values()].map((jwks) => jwks.preload()));
    },
    exportJwks(): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [issuer, state] of byIssuer) {
        if (state.jwks.kids().length > 0) out[issuer] = state.jwks.export();
      }
      return out;
    },
    loadJwks(issuer: string, jwks: unknown): void {
      const state = typeof issuer === 'string' ? byIssuer.get(issuer) : undefined;
      if (state === undefined) configInvalid('loadJwks: issuer is not a configured pool');
      state.jwks.load(jwks);
    },
  });
}
