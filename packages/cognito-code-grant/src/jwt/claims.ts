/** Cognito token claim shapes (cognito-facts.md section 2). The claim set is open: unknown claims are kept. */

export type TokenUse = 'id' | 'access';

export interface CognitoIdentity {
  userId: string;
  providerName: string;
  providerType: string;
  issuer: string | null;
  /** A string, "true" or "false", as Cognito sends it. */
  primary: string;
  /** Epoch milliseconds as a string, as Cognito sends it. */
  dateCreated: string;
}

interface CommonClaims {
  sub: string;
  iss: string;
  token_use: TokenUse;
  exp: number;
  iat: number;
  auth_time?: number;
  nbf?: number;
  jti?: string;
  origin_jti?: string;
  event_id?: string;
  'cognito:groups'?: string[];
  [claim: string]: unknown;
}

export interface CognitoIdTokenClaims extends CommonClaims {
  token_use: 'id';
  aud: string;
  'cognito:username': string;
  email?: string;
  email_verified?: boolean;
  nonce?: string;
  at_hash?: string;
  identities?: CognitoIdentity[];
}

export interface CognitoAccessTokenClaims extends CommonClaims {
  token_use: 'access';
  client_id: string;
  /** Absent on client-credentials (machine) tokens. */
  username?: string;
  scope?: string;
  version?: number;
  /** Present only on resource-bound access tokens; it is the resource URL, not the client id. */
  aud?: string;
}

export type CognitoClaims = CognitoIdTokenClaims | CognitoAccessTokenClaims;
