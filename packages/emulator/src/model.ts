/**
 * The emulator's data model: app clients, users, groups, pools, authorization codes, refresh
 * tokens, hosted-login sessions and the state events triggers are built from, plus the shapes
 * the APIs return. state.ts holds and changes them.
 */
import type { SigningKey } from './keys.ts';
import type { PasswordPolicy, SrpRecord } from './passwords.ts';
import type { OAuthFlow, SeedClient } from './seed.ts';

export interface Client {
  clientId: string;
  clientName: string;
  clientSecret: string | undefined;
  callbackUrls: string[];
  logoutUrls: string[];
  allowedOAuthFlows: OAuthFlow[];
  allowedOAuthScopes: string[];
  idTokenValiditySeconds: number;
  accessTokenValiditySeconds: number;
  refreshTokenValiditySeconds: number;
  refreshTokenRotation: boolean;
  enableTokenRevocation: boolean;
  /** The user API's flows: `ALLOW_USER_SRP_AUTH`, `ALLOW_USER_PASSWORD_AUTH`, `ALLOW_REFRESH_TOKEN_AUTH`. */
  explicitAuthFlows: string[];
  /** Cognito's PreventUserExistenceErrors (ENABLED by default on new clients). */
  preventUserExistenceErrors: boolean;
}

export interface User {
  username: string;
  sub: string;
  /** `sha256:{salt}:{hex}`; undefined = cannot sign in. Not a production hash: an emulator. */
  passwordHash: string | undefined;
  /** For USER_SRP_AUTH (passwords.ts); undefined = no password, or one restored from an old state file. */
  srp: SrpRecord | undefined;
  /** Attribute values as Cognito stores them: strings; `sub` included, first. */
  attributes: Record<string, string>;
  enabled: boolean;
  status: string;
  createdAt: number;
  updatedAt: number;
  groups: Set<string>;
  seq: number;
}

export interface Group {
  groupName: string;
  description: string | undefined;
  precedence: number | undefined;
  roleArn: string | undefined;
  createdAt: number;
  updatedAt: number;
  /** Usernames (original case). */
  members: Set<string>;
  /** Cache: member seqs in ascending order, dropped on any membership change. */
  sortedSeqs: number[] | undefined;
}

export interface ResourceServer {
  identifier: string;
  name: string;
  scopes: string[];
}

export interface PoolState {
  userPoolId: string;
  region: string;
  name: string;
  caseInsensitive: boolean;
  passwordPolicy: PasswordPolicy;
  /** Attributes SignUp sends a code to and ConfirmSignUp verifies (`email`, `phone_number`). */
  autoVerifiedAttributes: string[];
  /** Cognito's AllowAdminCreateUserOnly: SignUp refused. */
  adminCreateUserOnly: boolean;
  resourceServers: ResourceServer[];
  clients: Map<string, Client>;
  groups: Map<string, Group>;
  /** By normalised username. */
  users: Map<string, User>;
  bySub: Map<string, User>;
  /** users in creation order; deleted users leave `undefined` holes so seq cursors stay valid. */
  seqList: (User | undefined)[];
  /** All published keys; the newest of each use signs. */
  keys: SigningKey[];
}

export interface AuthCode {
  poolId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  username: string;
  sub: string;
  authTime: number;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | undefined;
  expiresAt: number;
}

export interface RefreshRecord {
  poolId: string;
  clientId: string;
  username: string;
  sub: string;
  scopes: string[];
  authTime: number;
  originJti: string;
  expiresAt: number;
  revoked: boolean;
  /** Issued by the user API (InitiateAuth): its tokens keep the SDK shape on refresh. */
  api?: boolean;
}

export interface HostedSession {
  poolId: string;
  sub: string;
  authTime: number;
  expiresAt: number;
}

/** Event emitted on a state change a trigger (or replica) cares about. */
export interface StateEvent {
  triggerSource: string;
  pool: PoolState;
  user: User | undefined;
  userName: string | undefined;
  clientId: string | undefined;
  request: Record<string, unknown>;
}

const DAY = 86_400;

/** CreateUserPoolClient's default when ExplicitAuthFlows is omitted (less ALLOW_CUSTOM_AUTH, not emulated). */
const DEFAULT_AUTH_FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

export function normaliseClient(c: SeedClient): Client {
  return {
    clientId: c.clientId,
    clientName: c.clientName ?? c.clientId,
    clientSecret: c.clientSecret,
    callbackUrls: [...(c.callbackUrls ?? [])],
    logoutUrls: [...(c.logoutUrls ?? [])],
    allowedOAuthFlows: [...(c.allowedOAuthFlows ?? ['code'])],
    allowedOAuthScopes: [...(c.allowedOAuthScopes ?? ['openid', 'email', 'profile'])],
    idTokenValiditySeconds: c.idTokenValiditySeconds ?? 3600,
    accessTokenValiditySeconds: c.accessTokenValiditySeconds ?? 3600,
    // 0 stands for the default, as in Cognito.
    refreshTokenValiditySeconds: c.refreshTokenValiditySeconds || 30 * DAY,
    refreshTokenRotation: c.refreshTokenRotation ?? false,
    enableTokenRevocation: c.enableTokenRevocation ?? true,
    explicitAuthFlows: [...(c.explicitAuthFlows ?? DEFAULT_AUTH_FLOWS)],
    preventUserExistenceErrors: c.preventUserExistenceErrors ?? true,
  };
}

export function attrString(v: string | boolean | number): string {
  return typeof v === 'string' ? v : String(v);
}

/** GroupType as the admin API returns it (dates in epoch seconds). */
export function groupJson(pool: PoolState, g: Group): Record<string, unknown> {
  const out: Record<string, unknown> = {
    GroupName: g.groupName,
    UserPoolId: pool.userPoolId,
    LastModifiedDate: g.updatedAt / 1000,
    CreationDate: g.createdAt / 1000,
  };
  if (g.description !== undefined) out['Description'] = g.description;
  if (g.precedence !== undefined) out['Precedence'] = g.precedence;
  if (g.roleArn !== undefined) out['RoleArn'] = g.roleArn;
  return out;
}
