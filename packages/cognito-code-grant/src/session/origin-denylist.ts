/**
 * The shared deny-list of token origins (issue 13): every ID and access token Cognito issues
 * from one refresh token carries the same `origin_jti`. When this app ends a session it records
 * that origin in the session store, and every process's verifier refuses bearer tokens of that
 * origin. The check on the request path is a synchronous lookup in this process's copy of the
 * list; the copy is kept current by the store's push channel (Redis pub/sub, PostgreSQL
 * LISTEN/NOTIFY, in-process for the memory store), or by polling every `pollIntervalMs` when
 * the store has no channel or the channel is down. A copy that could not be brought up to date
 * for `failClosedAfterMs` refuses every token with an origin (DENYLIST_UNAVAILABLE) rather than
 * let a denied one through.
 */
import { setInterval } from 'node:timers';
import { CognitoAuthError } from '../errors/errors.ts';
import type { PushSubscription } from './push.ts';
import type { SessionStore } from './store.ts';

/**
 * The store's deny-list part: `denyOrigin` and `deniedOrigins` are required (the bundled memory,
 * SQL and Redis stores all have them; CONFIG_INVALID otherwise), `subscribe` is used when present.
 */
export type OriginDenyStore = Pick<
  SessionStore,
  'subscribe' | 'pollIntervalMs' | 'denyOrigin' | 'deniedOrigins'
>;
type DenyStore = OriginDenyStore & Required<Pick<SessionStore, 'denyOrigin' | 'deniedOrigins'>>;

export type DenylistEvent =
  | { readonly type: 'denied'; readonly originJti: string; readonly expiresAt: number }
  | { readonly type: 'synced'; readonly live: boolean }
  | { readonly type: 'down'; readonly error: unknown }
  | { readonly type: 'stale' };

export interface OriginDenylistOptions {
  readonly store: OriginDenyStore;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Polling period without a live push channel (ms). Default the store's, else 1000. */
  readonly pollIntervalMs?: number;
  /**
   * How long the copy may go without being brought up to date before every token with an
   * origin is refused (ms). Default 30 000; `Infinity` never refuses (the delay is then unbounded
   * while the store is unreachable).
   */
  readonly failClosedAfterMs?: number;
  /** Told of every change of state and every entry (for logs, metrics and tests). */
  readonly onEvent?: (event: DenylistEvent) => void;
  /** Told of every failed store read (the copy keeps serving until it is stale). */
  readonly onError?: (error: unknown) => void;
}

export interface OriginDenylist {
  /**
   * True when tokens of this origin are refused. Synchronous and allocation-free; throws
   * DENYLIST_UNAVAILABLE before the first load and once the copy is stale.
   */
  has(originJti: string): boolean;
  /** Records the origin until `expiresAt` (epoch ms): refused here at once, elsewhere once pushed. */
  deny(originJti: string, expiresAt: number): Promise<void>;
  /** Resolves after the first load (reject: the store could not be read; polling goes on). */
  ready(): Promise<void>;
  /** True while the push channel is subscribed and the copy resynchronised. */
  readonly live: boolean;
  /**
   * Calls `listener` whenever an answer of `has` could change from false: an entry added, the
   * copy stale or fresh again (entries that expire only turn answers from true to false). The
   * verifier uses it to skip the lookup for a cached token already found clean. Returns a
   * function that removes the listener.
   */
  onChange(listener: () => void): () => void;
  /** Stops the timers and the subscription. */
  close(): Promise<void>;
}

/** Re-read overlap when polling `since`: tolerates clock skew and commit delays between writers. */
const POLL_OVERLAP_MS = 60_000;

function isDenyStore(store: unknown): store is DenyStore {
  const s = store as Partial<DenyStore> | null;
  return typeof s?.denyOrigin === 'function' && typeof s.deniedOrigins === 'function';
}

/** The options checked (CONFIG_INVALID) and their defaults applied. */
function denylistSettings(options: OriginDenylistOptions): {
  store: DenyStore;
  now: () => number;
  pollMs: number;
  failClosedAfterMs: number;
} {
  if (!isDenyStore(options.store))
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      'the deny-list needs a store with denyOrigin and deniedOrigins',
    );
  const store: DenyStore = options.store;
  const now = options.now ?? Date.now;
  const pollMs = options.pollIntervalMs ?? store.pollIntervalMs ?? 1000;
  const failClosedAfterMs = options.failClosedAfterMs ?? 30_000;
  if (!(pollMs >= 10 && pollMs <= 3_600_000))
    throw new CognitoAuthError('CONFIG_INVALID', 'pollIntervalMs must be between 10 and 3 600 000');
  if (!(failClosedAfterMs >= pollMs))
    throw new CognitoAuthError('CONFIG_INVALID', 'failClosedAfterMs must be at least pollIntervalMs');
  return { store, now, pollMs, failClosedAfterMs };
}

/** `onEvent`, guarded: an observer's fault never stops the list. */
function eventEmitter(onEvent: OriginDenylistOptions['onEvent']): (event: DenylistEvent) => void {
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // An observer's fault never stops the list.
    }
  };
}

export function createOriginDenylist(options: OriginDenylistOptions): OriginDenylist {
  const { store, now, pollMs, failClosedAfterMs } = denylistSettings(options);
  const emit = eventEmitter(options.onEvent);

  const entries = new Map<string, number>();
  /** The hot path's one flag: true before the first load and once the copy is stale. */
  let stale = true;
  let loaded = false;
  /** When the copy was last known complete (epoch ms), or undefined before the first load. */
  let syncedAt: number | undefined;
  /** Where the next incremental poll starts (epoch ms, store clock); undefined: a full read. */
  let pollFrom: number | undefined;
  let subscription: PushSubscription | undefined;
  let live = false;
  /** Bumped when the channel goes down: a resync begun before it does not count as live. */
  let epoch = 0;
  let closed = false;

  const changeListeners = new Set<() => void>();
  const bump = () => {
    for (const l of changeListeners) l();
  };
  const add = (originJti: string, expiresAt: number) => {
    const current = entries.get(originJti);
    if (current === undefined || expiresAt > current) {
      entries.set(originJti, expiresAt);
      bump();
    }
  };

  async function load(full: boolean): Promise<void> {
    const started = now();
    const list = await store.deniedOrigins(full || pollFrom === undefined ? undefined : pollFrom);
    for (const e of list) add(e.originJti, e.expiresAt);
    pollFrom = started - POLL_OVERLAP_MS;
    syncedAt = started;
    loaded = true;
    if (stale) bump();
    stale = false;
  }

  let first: Promise<void> | undefined;
  async function start(): Promise<void> {
    if (store.subscribe) {
      subscription = await store.subscribe({
        origin: (originJti, expiresAt) => {
          add(originJti, expiresAt);
          emit({ type: 'denied', originJti, expiresAt });
        },
        down: (error) => {
          epoch++;
          live = false;
          emit({ type: 'down', error });
        },
        up: () => {
          void resync();
        },
      });
    }
    if (subscription?.live) await resync();
    else await load(true);
    emit({ type: 'synced', live });
  }

  /** After (re)subscribing: everything from now on is pushed; read what was missed. */
  async function resync(): Promise<void> {
    const at = ++epoch;
    try {
      await load(true);
    } catch (error) {
      options.onError?.(error);
      return;
    }
    if (at === epoch && subscription?.live && !closed) {
      live = true;
      emit({ type: 'synced', live: true });
    }
  }

  let polling = false;
  const timer = setInterval(() => {
    const t = now();
    for (const [k, until] of entries) if (until <= t) entries.delete(k);
    if (!live && !polling && !closed) {
      polling = true;
      load(false)
        .then(() => emit({ type: 'synced', live: false }))
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          polling = false;
        });
    }
    if (live) syncedAt = t;
    if (syncedAt !== undefined && t - syncedAt > failClosedAfterMs && !stale) {
      stale = true;
      bump();
      emit({ type: 'stale' });
    }
  }, pollMs);
  timer.unref();

  const list: OriginDenylist = {
    has(originJti: string) {
      if (stale) {
        throw new CognitoAuthError(
          'DENYLIST_UNAVAILABLE',
          loaded ? 'The token deny-list could not be kept current' : 'The token deny-list is not loaded yet',
        );
      }
      const until = entries.get(originJti);
      return until !== undefined && until > now();
    },
    async deny(originJti, expiresAt) {
      if (!(expiresAt > now())) return;
      add(originJti, expiresAt);
      await store.denyOrigin(originJti, expiresAt);
    },
    ready: () => first!,
    get live() {
      return live;
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await subscription?.close();
    },
  };
  first = start();
  first.catch((error: unknown) => options.onError?.(error));
  return list;
}
