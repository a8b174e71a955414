/**
 * `start()`: one node:http server that is at once the issuer host (`/{poolId}/.well-known/*`),
 * the user pool domain (`/oauth2/*`, `/login`, `/logout`, `/signup`, ...) and the cognito-idp
 * endpoint of the admin and user APIs (`POST /` with `X-Amz-Target`); routes.ts routes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addAppUrls, checkAppUrl } from './app-urls.ts';
import { AuthSessions } from './auth-sessions.ts';
import { issueUserTokens } from './issue.ts';
import { type CodePurpose, CodeStore, type DeliveredCode } from './codes.ts';
import { createFaults, type Faults } from './faults.ts';
import { BodyTooLarge, sendJson } from './http.ts';
import { generateSigningKey, type KeyUse, keyFromPrivate, loadKey } from './keys.ts';
import type { Context } from './context.ts';
import { loadKeyFile, loadState, saveKeyFile, saveState } from './persist.ts';
import { loadSeed, type SeedFile } from './seed.ts';
import { type Client, EmulatorState, type PoolState } from './state.ts';
import { TriggerDispatcher, type TriggerRecord, type WebhookOptions } from './triggers.ts';
import { route } from './routes.ts';

export interface EmulatorOptions {
  /** 0 = a free port (tests). Default 9230. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** URL clients use when it differs from `http://{host}:{port}` (e.g. behind a proxy or in a container). */
  publicUrl?: string;
  /** Seed object or path to a JSON seed file; default {@link demoSeed}. Ignored when `stateFile` exists. */
  seed?: SeedFile | string;
  /** Persist state to this JSON file (loaded at start when present). */
  stateFile?: string;
  /** Pin signing keys: read from this JSON file, created (mode 0600) when missing. */
  keyFile?: string;
  /**
   * Your app's callback and sign-out URLs, added to every app client with the code flow (the
   * CLI's `--callback-url` / `--logout-url`).
   */
  callbackUrls?: string[];
  logoutUrls?: string[];
  /** Where trigger events are POSTed (signed). */
  webhook?: WebhookOptions;
  /** Clock (epoch ms) for token lifetimes, codes, sessions. */
  now?: () => number;
  log?: (line: string) => void;
}

export interface ClientInfo {
  clientId: string;
  clientName: string;
  clientSecret: string | undefined;
  callbackUrls: string[];
  logoutUrls: string[];
  allowedOAuthFlows: string[];
  allowedOAuthScopes: string[];
}

export interface PoolInfo {
  userPoolId: string;
  region: string;
  clients: ClientInfo[];
  /** The user pool domain (= emulator URL). */
  domain: string;
  issuer: string;
  jwksUri: string;
}

export interface RunningEmulator {
  /** e.g. `http://127.0.0.1:54321`: the user pool domain AND the admin API endpoint. */
  url: string;
  /** `${url}/${poolId}`; default pool = the first one. */
  issuer(poolId?: string): string;
  pool(poolId?: string): PoolInfo;
  state: EmulatorState;
  /** Publishes new ID and access keys that sign from now on (old ones stay published until retired). */
  rotateKeys(poolId?: string): void;
  /** Stops publishing every key but the newest of each use. */
  retireKeys(poolId?: string): void;
  faults: Faults;
  /** Trigger events produced so far (delivered or not). */
  triggers: readonly TriggerRecord[];
  /** Resolves when every trigger queued so far was delivered or given up. */
  flushWebhooks(): Promise<void>;
  setWebhook(webhook: WebhookOptions | undefined): void;
  /**
   * Mints tokens for a user without the browser flow (as a code exchange would, minus triggers):
   * for bearer-token tests and for users who cannot sign in on the form (federated, no password).
   * Default client: the pool's first client with the code flow; default scopes: all of its scopes.
   */
  issueTokens(options: IssueTokensOptions): TokenSet;
  /**
   * Live confirmation / reset / verification codes (what Cognito would have e-mailed), oldest
   * first; the same list `GET /_emulator/codes` answers. Emulator-only.
   */
  codes(filter?: { username?: string; poolId?: string; purpose?: CodePurpose }): DeliveredCode[];
  stop(): Promise<void>;
}

export interface IssueTokensOptions {
  username: string;
  poolId?: string;
  clientId?: string;
  scopes?: string[];
  nonce?: string;
  /** Epoch seconds; default now. */
  authTime?: number;
}

export interface TokenSet {
  id_token?: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

const KEY_USES: KeyUse[] = ['id', 'access'];

function clientInfo(c: Client): ClientInfo {
  return {
    clientId: c.clientId,
    clientName: c.clientName,
    clientSecret: c.clientSecret,
    callbackUrls: [...c.callbackUrls],
    logoutUrls: [...c.logoutUrls],
    allowedOAuthFlows: [...c.allowedOAuthFlows],
    allowedOAuthScopes: [...c.allowedOAuthScopes],
  };
}

/** Starts an emulator; resolves once it listens. */
export async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  let state: EmulatorState;
  const dispatcher = new TriggerDispatcher(() => state, options.webhook, log);
  state = new EmulatorState(now, (e) => dispatcher.enqueue(e));
  if (!options.stateFile || !loadState(state, options.stateFile)) state.loadSeed(loadSeed(options.seed));
  if (state.pools.size === 0) throw new TypeError('seed: at least one pool is required');
  for (const url of options.callbackUrls ?? []) checkAppUrl(url, 'callbackUrls');
  for (const url of options.logoutUrls ?? []) checkAppUrl(url, 'logoutUrls');
  addAppUrls(state, { callbackUrls: options.callbackUrls, logoutUrls: options.logoutUrls });

  // Keys: pinned from the key file where present, generated otherwise.
  const pinned = options.keyFile ? loadKeyFile(options.keyFile) : undefined;
  let generated = false;
  await Promise.all(
    [...state.pools.values()].map(async (pool) => {
      const stored = pinned?.get(pool.userPoolId);
      if (stored && stored.length > 0) pool.keys = stored.map(loadKey);
      for (const use of KEY_USES) {
        if (!pool.keys.some((k) => k.use === use)) {
          pool.keys.push(await generateSigningKey(use, now()));
          generated = true;
        }
      }
    }),
  );
  if (options.keyFile && generated) saveKeyFile(state, options.keyFile);

  const faults = createFaults();
  let baseUrl = '';
  const issuerOf = (pool: PoolState) => `${baseUrl}/${pool.userPoolId}`;
  const ctx: Context = {
    state,
    faults,
    baseUrl: () => baseUrl,
    issuer: issuerOf,
    now,
    log,
    challenges: new Map(),
    codes: new CodeStore(now, log),
    authSessions: new AuthSessions(now),
  };

  let savedVersion = state.version;
  let saveTimer: NodeJS.Timeout | undefined;
  const persist = () => {
    saveTimer = undefined;
    if (options.stateFile && state.version !== savedVersion) {
      savedVersion = state.version;
      saveState(state, options.stateFile);
    }
  };

  const server = createServer((req, res) => {
    route(ctx, req, res)
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof BodyTooLarge) return sendJson(res, 413, { error: 'request_too_large' });
        log(`internal error: ${(err as Error).message}`);
        sendJson(res, 500, { error: 'server_error' });
      })
      .finally(() => {
        // The cognito-idp endpoint is one path: name the operation.
        const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
        log(`${req.method} ${(req.url ?? '').split('?')[0]}${op ? ` ${op}` : ''} ${res.statusCode}`);
        if (options.stateFile && state.version !== savedVersion && !saveTimer) {
          saveTimer = setTimeout(persist, 100);
          saveTimer.unref();
        }
      });
  });
  // Node's default. Node clients reuse a socket only for the announced keep-alive time less one
  // second, so a 1 s timeout made every SDK call open a new connection (stop() closes them all).
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9230, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shownHost = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
  baseUrl = (options.publicUrl ?? `http://${shownHost}:${address.port}`).replace(/\/+$/, '');

  const defaultPool = [...state.pools.values()][0]!;
  const poolOf = (poolId?: string): PoolState => {
    const pool = poolId ? state.pools.get(poolId) : defaultPool;
    if (!pool) throw new TypeError(`unknown pool ${poolId}`);
    return pool;
  };

  return {
    url: baseUrl,
    state,
    faults,
    triggers: dispatcher.history,
    issuer: (poolId) => issuerOf(poolOf(poolId)),
    pool(poolId) {
      const pool = poolOf(poolId);
      const issuer = issuerOf(pool);
      return {
        userPoolId: pool.userPoolId,
        region: pool.region,
        clients: [...pool.clients.values()].map(clientInfo),
        domain: baseUrl,
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
      };
    },
    rotateKeys(poolId) {
      const pool = poolOf(poolId);
      const t = Math.max(now(), ...pool.keys.map((k) => k.createdAt + 1));
      for (const use of KEY_USES) {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        pool.keys.push(keyFromPrivate(privateKey, use, t));
      }
      if (options.keyFile) saveKeyFile(state, options.keyFile);
    },
    retireKeys(poolId) {
      const pool = poolOf(poolId);
      const newest = KEY_USES.map((use) =>
        pool.keys.filter((k) => k.use === use).reduce((a, b) => (b.createdAt >= a.createdAt ? b : a)),
      );
      pool.keys = newest;
      if (options.keyFile) saveKeyFile(state, options.keyFile);
    },
    issueTokens(o) {
      const pool = poolOf(o.poolId);
      const client = o.clientId
        ? pool.clients.get(o.clientId)
        : [...pool.clients.values()].find((c) => c.allowedOAuthFlows.includes('code'));
      if (!client) throw new TypeError(`no such client in ${pool.userPoolId}`);
      const user = state.getUser(pool, o.username);
      const nowMs = now();
      const authTime = o.authTime ?? Math.floor(nowMs / 1000);
      const scopes = o.scopes ?? [...client.allowedOAuthScopes];
      const minted = issueUserTokens(state, {
        pool,
        client,
        user,
        scopes,
        authTime,
        nonce: o.nonce,
        issuer: issuerOf(pool),
        nowMs,
      });
      const out: TokenSet = {
        access_token: minted.accessToken,
        refresh_token: minted.refreshToken,
        expires_in: minted.expiresIn,
        token_type: 'Bearer',
      };
      if (minted.idToken) out.id_token = minted.idToken;
      return out;
    },
    codes: (filter = {}) =>
      ctx.codes.list(filter).filter((c) => !filter.purpose || c.purpose === filter.purpose),
    flushWebhooks: () => dispatcher.flush(),
    setWebhook: (w) => dispatcher.setWebhook(w),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (saveTimer) clearTimeout(saveTimer);
      persist();
      await dispatcher.flush();
    },
  };
}
