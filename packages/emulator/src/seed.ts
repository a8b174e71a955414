/**
 * The seed file: pools, app clients, groups and users the emulator starts with. The demo seed is
 * what `npx cognito-code-grant-emulator` serves when no seed is given; its ids and secrets are
 * fixed so the README and the example app can print them (they are demo values, not secrets).
 */
import { readFileSync } from 'node:fs';
import type { PasswordPolicy } from './passwords.ts';

export type OAuthFlow = 'code' | 'implicit' | 'client_credentials';

export interface SeedClient {
  clientId: string;
  clientName?: string;
  /** Omit for a public client. */
  clientSecret?: string;
  callbackUrls?: string[];
  logoutUrls?: string[];
  /** Default `['code']`. A client-credentials client must list only `client_credentials`. */
  allowedOAuthFlows?: OAuthFlow[];
  /** Scopes the client may request, e.g. `openid email profile articles/read`. */
  allowedOAuthScopes?: string[];
  /**
   * Token lifetimes in seconds (defaults: 3600 / 3600 / 30 days). Cognito's ranges: ID and
   * access 300 to 86 400; refresh 3600 to 10 years, 0 meaning the 30-day default.
   */
  idTokenValiditySeconds?: number;
  accessTokenValiditySeconds?: number;
  refreshTokenValiditySeconds?: number;
  /** Refresh-token rotation (Cognito's `RefreshTokenRotation.Feature`); default false. */
  refreshTokenRotation?: boolean;
  /** Cognito's `EnableTokenRevocation`; default true. */
  enableTokenRevocation?: boolean;
  /**
   * The user API's sign-in flows (Cognito's `ExplicitAuthFlows`): `ALLOW_USER_SRP_AUTH`,
   * `ALLOW_USER_PASSWORD_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`. Default: SRP and refresh.
   */
  explicitAuthFlows?: string[];
  /** Unknown users answer like wrong passwords (Cognito's `PreventUserExistenceErrors`); default true. */
  preventUserExistenceErrors?: boolean;
}

export interface SeedGroup {
  groupName: string;
  description?: string;
  precedence?: number;
  roleArn?: string;
}

export interface SeedUser {
  username: string;
  /** Stable id; generated when omitted. */
  sub?: string;
  password?: string;
  /** String values, as Cognito stores them (`email_verified: "true"`). Booleans are stringified. */
  attributes?: Record<string, string | boolean | number>;
  groups?: string[];
  enabled?: boolean;
  /** Default CONFIRMED when a password is given, else FORCE_CHANGE_PASSWORD. */
  status?: string;
}

export interface SeedResourceServer {
  identifier: string;
  name?: string;
  scopes: { scopeName: string; scopeDescription?: string }[];
}

export interface SeedPool {
  userPoolId: string;
  /** Derived from the pool id when omitted. */
  region?: string;
  name?: string;
  /** Username matching ignores case (Cognito console default). Default true. */
  usernameCaseInsensitive?: boolean;
  /** Cognito's password policy; default 8 characters with lower, upper, number and symbol. */
  passwordPolicy?: Partial<PasswordPolicy>;
  /** Where SignUp sends its code and which attribute ConfirmSignUp verifies; default `["email"]`. */
  autoVerifiedAttributes?: ('email' | 'phone_number')[];
  /** Only admins create users (Cognito's `AllowAdminCreateUserOnly`): SignUp is refused. Default false. */
  adminCreateUserOnly?: boolean;
  resourceServers?: SeedResourceServer[];
  clients?: SeedClient[];
  groups?: SeedGroup[];
  users?: SeedUser[];
}

export interface SeedFile {
  pools: SeedPool[];
}

/** Password of every demo user (printed by the CLI). */
export const DEMO_PASSWORD = 'Passw0rd!demo';

export const DEMO_POOL_ID = 'us-east-1_Demo0001';

/** Fixed ids of the demo clients. */
export const DEMO_CLIENTS = Object.freeze({
  web: {
    clientId: '4k2n7q9s1u3w5y6a8c0e2g4i6m',
    clientSecret: '8nsd24n26noan071ycwrdmeygdkqu0t7c7qbm4l7qiw0ozo36bno',
  },
  public: { clientId: '7p1r3t5v7x9z2b4d6f8h0j2l4n' },
  machine: {
    clientId: '2c4e6g8i0k1m3o5q7s9u1w3y5a',
    clientSecret: 'tclk8mt04v2jlsrhctovror0burx3x63z6ef0qbw57ty497chzed',
  },
});

const CALLBACKS = ['http://localhost:3000/auth/callback', 'http://127.0.0.1:3000/auth/callback'];
const LOGOUTS = ['http://localhost:3000/', 'http://127.0.0.1:3000/'];

/** The default seed: one pool, three clients, two groups, three users. */
export const demoSeed: SeedFile = Object.freeze({
  pools: [
    {
      userPoolId: DEMO_POOL_ID,
      region: 'us-east-1',
      name: 'articles-demo',
      resourceServers: [
        {
          identifier: 'articles',
          name: 'Articles API',
          scopes: [
            { scopeName: 'read', scopeDescription: 'Read articles' },
            { scopeName: 'write', scopeDescription: 'Write articles' },
          ],
        },
      ],
      clients: [
        {
          clientId: DEMO_CLIENTS.web.clientId,
          clientName: 'articles-web',
          clientSecret: DEMO_CLIENTS.web.clientSecret,
          callbackUrls: CALLBACKS,
          logoutUrls: LOGOUTS,
          allowedOAuthFlows: ['code'],
          allowedOAuthScopes: ['openid', 'email', 'profile', 'articles/read', 'articles/write'],
          explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          clientId: DEMO_CLIENTS.public.clientId,
          clientName: 'articles-spa',
          callbackUrls: CALLBACKS,
          logoutUrls: LOGOUTS,
          allowedOAuthFlows: ['code'],
          allowedOAuthScopes: ['openid', 'email', 'profile', 'articles/read'],
          explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
        {
          clientId: DEMO_CLIENTS.machine.clientId,
          clientName: 'articles-worker',
          clientSecret: DEMO_CLIENTS.machine.clientSecret,
          allowedOAuthFlows: ['client_credentials'],
          allowedOAuthScopes: ['articles/read', 'articles/write'],
          explicitAuthFlows: [],
        },
      ],
      groups: [
        { groupName: 'admins', description: 'Administrators', precedence: 0 },
        { groupName: 'editors', description: 'Can write articles', precedence: 10 },
      ],
      users: [
        {
          username: 'admin',
          sub: '0b6c3f1e-1a2b-4c3d-8e4f-5a6b7c8d9e01',
          password: DEMO_PASSWORD,
          attributes: {
            email: 'admin@example.com',
            email_verified: 'true',
            name: 'Ada Admin',
            'custom:tenant': '42',
          },
          groups: ['admins', 'editors'],
        },
        {
          username: 'editor',
          sub: '1c7d4a2f-2b3c-4d4e-9f5a-6b7c8d9e0f02',
          password: DEMO_PASSWORD,
          attributes: { email: 'editor@example.com', email_verified: 'true', name: 'Eddie Editor' },
          groups: ['editors'],
        },
        {
          username: 'reader',
          sub: '2d8e5b3a-3c4d-4e5f-8a6b-7c8d9e0f1a03',
          password: DEMO_PASSWORD,
          attributes: { email: 'reader@example.com', email_verified: 'true', name: 'Rita Reader' },
        },
      ],
    },
  ],
}) as SeedFile;

/** Reads and parses a JSON file; errors name the file (and JSON's line and column). */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TypeError(
      `${what} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${what} ${path}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads a seed from an object or a JSON file path; minimal shape checks with clear messages. */
export function loadSeed(seed: SeedFile | string | undefined): SeedFile {
  const where = typeof seed === 'string' ? `seed ${seed}` : 'seed';
  const value: unknown = typeof seed === 'string' ? readJsonFile(seed, 'seed') : (seed ?? demoSeed);
  if (!value || typeof value !== 'object' || !Array.isArray((value as SeedFile).pools)) {
    throw new TypeError(`${where}: expected an object with a "pools" array`);
  }
  const ids = new Set<string>();
  for (const pool of (value as SeedFile).pools) {
    if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(pool.userPoolId ?? '')) {
      throw new TypeError(`${where}: invalid userPoolId ${JSON.stringify(pool.userPoolId)}`);
    }
    const groups = new Set((pool.groups ?? []).map((g) => g.groupName));
    for (const user of pool.users ?? []) {
      for (const g of user.groups ?? []) {
        if (!groups.has(g)) throw new TypeError(`${where}: user ${user.username} in unknown group ${g}`);
      }
    }
    for (const client of pool.clients ?? []) {
      if (!client.clientId || ids.has(client.clientId)) {
        throw new TypeError(`${where}: missing or duplicate clientId in pool ${pool.userPoolId}`);
      }
      ids.add(client.clientId);
      // Cognito's ranges: ID and access tokens 5 min to 1 day, refresh 60 min to 10 years (0
      // stands for the 30-day default).
      const lifetimes: [string, number | undefined, number, number][] = [
        ['idTokenValiditySeconds', client.idTokenValiditySeconds, 300, 86_400],
        ['accessTokenValiditySeconds', client.accessTokenValiditySeconds, 300, 86_400],
        ['refreshTokenValiditySeconds', client.refreshTokenValiditySeconds, 3600, 3650 * 86_400],
      ];
      for (const [name, value, min, max] of lifetimes) {
        if (value === undefined || (name === 'refreshTokenValiditySeconds' && value === 0)) continue;
        if (!Number.isInteger(value) || value < min || value > max) {
          throw new TypeError(
            `${where}: client ${client.clientId}: ${name} must be an integer from ${min} to ${max}`,
          );
        }
      }
      // Cognito refuses such a client when it is created.
      const flows = client.allowedOAuthFlows ?? ['code'];
      if (flows.includes('client_credentials') && (flows.length !== 1 || !client.clientSecret)) {
        throw new TypeError(
          `${where}: client ${client.clientId}: client_credentials must be the only flow, with a client secret`,
        );
      }
    }
  }
  return value as SeedFile;
}

/** `us-east-1_Abc` -> `us-east-1`. */
export function regionOf(userPoolId: string): string {
  return userPoolId.slice(0, userPoolId.indexOf('_'));
}
