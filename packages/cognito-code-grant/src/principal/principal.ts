/** The one principal shape every route sees, whether it came from a bearer token or a session. */
import type { CognitoClaims, TokenUse } from '../jwt/claims.ts';

export interface Principal {
  /** Cognito `sub`: stable per pool. For machine tokens it is the app client id. */
  readonly sub: string;
  /** Pool username (`cognito:username` / `username`); null for machine (client-credentials) tokens. */
  readonly username: string | null;
  readonly email: string | undefined;
  readonly emailVerified: boolean | undefined;
  /** `cognito:groups`, empty when absent. Compared by exact code points. */
  readonly groups: readonly string[];
  /** Access-token `scope` split on spaces; empty for ID tokens. */
  readonly scopes: readonly string[];
  readonly tokenUse: TokenUse;
  /** The app client the token was issued to (ID `aud`, access `client_id`). */
  readonly clientId: string;
  /** A client-credentials token: no user behind it. */
  readonly isMachine: boolean;
  readonly issuer: string;
  readonly userPoolId: string;
  /** Epoch seconds at which the token (or, for sessions, the access token) expires. */
  readonly expiresAt: number;
  /** Where the principal came from. */
  readonly source: 'bearer' | 'session';
  /** The replica's internal user id, when a replica is configured. */
  readonly replicaUserId?: string | number | undefined;
  /** The verified claims, frozen. */
  readonly claims: Readonly<CognitoClaims>;
}

export interface PrincipalHookContext {
  /** `login`: right after the callback; `bearer` / `session`: an authenticated request. */
  readonly trigger: 'login' | 'bearer' | 'session';
}

/**
 * Runs after a principal is established (the replica's seam): may return the principal with
 * `replicaUserId` set, or throw `USER_DISABLED` / `USER_DELETED` to refuse it.
 */
export type PrincipalHook = (
  principal: Principal,
  context: PrincipalHookContext,
) => Promise<Principal> | Principal;
