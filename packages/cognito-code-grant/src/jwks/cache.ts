/**
 * One JWKS cache per JWKS URI: keys by `kid` (a plain string, looked up in a Map), each prepared
 * once as a `KeyObject`; one shared in-flight fetch; a `kid` still unknown after a fetch, or a
 * failed fetch, blocks refetches for a cooldown window (aws-jwt-verify's "penalty box"), so a
 * flood of random `kid`s cannot become a flood of requests, while a key rotated in just after a
 * successful fetch is fetched at once; a failed fetch, or a `200` document without one usable key,
 * keeps the keys already cached (Cognito always publishes two RS256 signing keys, so an empty set
 * is a broken answer, not a rotation); keys older than `maxAgeMs` are refetched in the background
 * (`refreshIfStale`), so a key removed from the JWKS stops being trusted. A failed fetch is
 * reported to `onError` once per cause (until a fetch succeeds), never once per request.
 * Nothing is module-global: two verifiers never share state.
 */
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import { channels, codeOf } from '../observability/channels.ts';
import { type JwksFetchOptions, fetchJwksDocument } from './fetch.ts';
import { type PreparedKey, type RsaJwk, isPreparedKey, prepareJwk } from './key.ts';

export interface JwksCacheOptions extends JwksFetchOptions {
  jwksUri: string;
  /** Minimum time between two fetches caused by an unknown `kid`. Default 10 000 ms; at least 1000. */
  cooldownMs?: number | undefined;
  /**
   * Age (ms) after which the cached keys are refetched in the background by `refreshIfStale`,
   * so that a key removed from the JWKS stops verifying. Default 600 000 (10 min); 0 never.
   */
  maxAgeMs?: number | undefined;
  /** Clock in epoch ms (for the cooldown). Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Told of each failed fetch or unusable document (`JWKS_FETCH_FAILED` / `JWKS_INVALID`), once
   * per cause until a fetch succeeds again. A listener that throws is ignored.
   */
  onError?: JwksErrorListener | undefined;
}

/** Receives a JWKS fetch failure; `jwksUri` says which key set. */
export type JwksErrorListener = (error: CognitoAuthError, info: { readonly jwksUri: string }) => void;

export const DEFAULT_JWKS_COOLDOWN_MS = 10_000;
/** A shorter cooldown would let a flood of unknown `kid`s turn into a flood of JWKS fetches. */
export const MIN_JWKS_COOLDOWN_MS = 1000;
export const DEFAULT_JWKS_MAX_AGE_MS = 600_000;

/** Called with the `kid`s that left the JWKS on a refetch or `load()`. */
export type KeysRemovedListener = (kids: readonly string[]) => void;

export interface JwksDocument {
  keys: RsaJwk[];
}

export class JwksCache {
  readonly jwksUri: string;
  #keys = new Map<string, PreparedKey>();
  /** `kid`s published but unusable, with the reason (a 1024-bit key, `use: enc`, a duplicate...). */
  #rejected = new Map<string, string>();
  #inFlight: Promise<void> | undefined;
  /** No refetch before this (epoch ms): set by a fetch that failed or left a wanted `kid` missing. */
  #blockedUntil: number | undefined;
  #lastFetchAt: number | undefined;
  #fetchCount = 0;
  #lastError: unknown;
  /** `code: message` of the failure last given to `onError`, cleared by a successful fetch. */
  #reported: string | undefined;
  readonly #onError: JwksErrorListener | undefined;
  readonly #listeners = new Set<KeysRemovedListener>();
  readonly #options: JwksFetchOptions;
  readonly #cooldownMs: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: JwksCacheOptions) {
    this.jwksUri = options.jwksUri;
    this.#options = { fetch: options.fetch, timeoutMs: options.timeoutMs, maxBytes: options.maxBytes };
    const cooldown = options.cooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS;
    if (!Number.isInteger(cooldown) || cooldown < MIN_JWKS_COOLDOWN_MS || cooldown > 86_400_000) {
      throw new CognitoAuthError(
        'CONFIG_INVALID',
        `jwks.cooldownMs must be an integer between ${MIN_JWKS_COOLDOWN_MS} and 86400000`,
      );
    }
    this.#cooldownMs = cooldown;
    const maxAge = options.maxAgeMs ?? DEFAULT_JWKS_MAX_AGE_MS;
    if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > 86_400_000) {
      throw new CognitoAuthError('CONFIG_INVALID', 'jwks.maxAgeMs must be an integer between 0 and 86400000');
    }
    this.#maxAgeMs = maxAge;
    this.#now = options.now ?? Date.now;
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new CognitoAuthError('CONFIG_INVALID', 'onJwksError must be a function');
    }
    this.#onError = options.onError;
  }

  /** Epoch ms of the last successful fetch (or `load()`), undefined before. */
  get lastFetchAt(): number | undefined {
    return this.#lastFetchAt;
  }

  /** Number of HTTP fetches started (successful or not). */
  get fetchCount(): number {
    return this.#fetchCount;
  }

  /** The error of the last failed fetch, cleared by a successful one. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** The `kid`s of the usable keys currently cached. */
  kids(): string[] {
    return [...this.#keys.keys()];
  }

  /** The cached key for `kid`, without any I/O. Throws `JWKS_INVALID` when that `kid` was published but refused. */
  getCached(kid: string): PreparedKey | undefined {
    const key = this.#keys.get(kid);
    if (key !== undefined) return key;
    const reason = this.#rejected.get(kid);
    if (reason !== undefined)
      throw new CognitoAuthError('JWKS_INVALID', `JWKS key for this kid is unusable: ${reason}`);
    return undefined;
  }

  /**
   * The key for `kid`, fetching the JWKS when it is not cached, at most once per cooldown window.
   * Throws `TOKEN_KID_UNKNOWN` when it is still missing, `JWKS_FETCH_FAILED` / `JWKS_INVALID`
   * when the last fetch failed (the one this call waited for, or one whose cooldown still runs):
   * the key may well exist, the JWKS could not be read.
   */
  async getKey(kid: string): Promise<PreparedKey> {
    const cached = this.getCached(kid);
    if (cached !== undefined) return cached;
    if (this.#inFlight === undefined) {
      if (this.#blocked()) {
        const last = this.#lastError;
        if (isCognitoAuthError(last)) {
          throw new CognitoAuthError(last.code, `${last.message} (refetch in cooldown)`, { cause: last });
        }
        throw new CognitoAuthError('TOKEN_KID_UNKNOWN', 'no JWKS key with this kid (refetch in cooldown)');
      }
      this.#startFetch();
    }
    await this.#inFlight;
    const key = this.getCached(kid);
    if (key === undefined) {
      // The penalty box: the JWKS was just read and has no such key.
      this.#blockedUntil = this.#now() + this.#cooldownMs;
      throw new CognitoAuthError('TOKEN_KID_UNKNOWN', 'no JWKS key with this kid');
    }
    return key;
  }

  /**
   * Starts a background refetch when the keys are older than `maxAgeMs` (not before the first
   * fetch or `load()`, not during a cooldown). Never waits and never throws: the cached keys
   * keep serving until the new document replaces them; a failure keeps them. `t`: the time now
   * when the caller has read the clock already (same clock as `now`).
   */
  refreshIfStale(t?: number): void {
    const last = this.#lastFetchAt;
    if (last === undefined || this.#maxAgeMs === 0 || this.#inFlight !== undefined) return;
    if ((t ?? this.#now()) - last < this.#maxAgeMs || this.#blocked()) return;
    this.#startFetch();
  }

  #blocked(): boolean {
    return this.#blockedUntil !== undefined && this.#now() < this.#blockedUntil;
  }

  /** Fetches the JWKS now (joining a fetch in flight). Rejects when the fetch fails. */
  preload(): Promise<void> {
    if (this.#inFlight === undefined) this.#startFetch();
    return this.#inFlight as Promise<void>;
  }

  /** The cached keys as a JWKS document, to store and `load()` later (serverless cold starts). */
  export(): JwksDocument {
    return { keys: [...this.#keys.values()].map((k) => ({ ...k.jwk })) };
  }

  /** Replaces the cached keys with those of `doc`. Throws `JWKS_INVALID` when it is not a JWKS. */
  load(doc: unknown): void {
    this.#replace(doc);
    this.#lastFetchAt = this.#now();
  }

  /** Registers a listener for keys that leave the JWKS. Returns an unsubscribe function. */
  onKeysRemoved(listener: KeysRemovedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #startFetch(): void {
    this.#fetchCount++;
    const run = async () => {
      const started = this.#now();
      try {
        const doc = await fetchJwksDocument(this.jwksUri, this.#options);
        this.#replace(doc);
        this.#lastFetchAt = this.#now();
        this.#lastError = undefined;
        this.#reported = undefined;
        if (channels.jwksFetch.hasSubscribers) {
          const durationMs = this.#now() - started;
          channels.jwksFetch.publish({
            jwksUri: this.jwksUri,
            outcome: 'success',
            keys: this.#keys.size,
            durationMs,
          });
        }
      } catch (error) {
        if (channels.jwksFetch.hasSubscribers) {
          const durationMs = this.#now() - started;
          channels.jwksFetch.publish({
            jwksUri: this.jwksUri,
            outcome: 'failure',
            code: codeOf(error),
            durationMs,
          });
        }
        this.#lastError = error;
        this.#blockedUntil = this.#now() + this.#cooldownMs;
        this.#report(error);
        throw error;
      } finally {
        this.#inFlight = undefined;
      }
    };
    this.#inFlight = run();
    // Callers that give up early must not leave an unhandled rejection behind.
    this.#inFlight.catch(() => {});
  }

  /** Tells `onError` of a failure, unless the same failure was already told since the last success. */
  #report(error: unknown): void {
    const listener = this.#onError;
    if (listener === undefined) return;
    const failure = isCognitoAuthError(error)
      ? error
      : new CognitoAuthError('JWKS_FETCH_FAILED', `JWKS fetch from ${this.jwksUri} failed`, { cause: error });
    const cause = `${failure.code}: ${failure.message}`;
    if (cause === this.#reported) return;
    this.#reported = cause;
    try {
      listener(failure, { jwksUri: this.jwksUri });
    } catch {
      // An operator's listener must not turn a fetch failure into something else.
    }
  }

  #replace(doc: unknown): void {
    if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
      throw new CognitoAuthError('JWKS_INVALID', `JWKS from ${this.jwksUri} has no "keys" array`);
    }
    const keys = new Map<string, PreparedKey>();
    const rejected = new Map<string, string>();
    const reasons = new Set<string>();
    for (const raw of (doc as { keys: unknown[] }).keys) {
      const prepared = prepareJwk(raw);
      if (!isPreparedKey(prepared)) {
        reasons.add(prepared.reason);
        if (prepared.kid !== undefined) rejected.set(prepared.kid, prepared.reason);
        continue;
      }
      // Two keys under one kid would make the lookup ambiguous: use neither.
      if (keys.has(prepared.kid) || rejected.has(prepared.kid)) {
        keys.delete(prepared.kid);
        rejected.set(prepared.kid, 'kid published twice');
        reasons.add('kid published twice');
        continue;
      }
      // Reuse the KeyObject when the key material did not change.
      const old = this.#keys.get(prepared.kid);
      keys.set(
        prepared.kid,
        old !== undefined && old.jwk.n === prepared.jwk.n && old.jwk.e === prepared.jwk.e ? old : prepared,
      );
    }
    if (keys.size === 0) {
      // Not a rotation: keep every cached key (and the tokens they verified) and cool down.
      const why = reasons.size === 0 ? 'no keys' : [...reasons].join(', ');
      throw new CognitoAuthError(
        'JWKS_INVALID',
        `JWKS from ${this.jwksUri} has no usable RS256 signing key (${why})`,
      );
    }
    const removed: string[] = [];
    for (const [kid, old] of this.#keys) {
      if (keys.get(kid) !== old) removed.push(kid);
    }
    this.#keys = keys;
    this.#rejected = rejected;
    if (removed.length > 0) {
      for (const listener of this.#listeners) listener(removed);
    }
  }
}
