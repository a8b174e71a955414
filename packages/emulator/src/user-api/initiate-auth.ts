/**
 * InitiateAuth: USER_SRP_AUTH (answers the PASSWORD_VERIFIER challenge, srp.ts),
 * USER_PASSWORD_AUTH, and REFRESH_TOKEN_AUTH / REFRESH_TOKEN, each only when the app client
 * allows it. Other flows (CUSTOM_AUTH, USER_AUTH) are not emulated and answer as a client that
 * has not enabled them.
 */
import { ApiError } from '../api-error.ts';
import { str, stringMap } from '../aws-json.ts';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { mintFromRefresh } from '../issue.ts';
import { checkPassword } from '../passwords.ts';
import { newSalt, parseA, serverEphemeral, srpPasswordHash, verifierOf } from '../srp.ts';
import type { Client, PoolState } from '../state.ts';
import {
  checkSecretHash,
  clientOf,
  findUser,
  INCORRECT,
  notAuthorized,
  requireFlow,
  type UserOperation,
  unknownUser,
} from './common.ts';
import { passwordProven } from './signed-in.ts';

function required(auth: Record<string, string>, name: string): string {
  const v = auth[name];
  if (!v) throw new ApiError('InvalidParameterException', `Missing required parameter ${name}`);
  return v;
}

export const initiateAuth: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const flow = str(p, 'AuthFlow', true);
  const auth = stringMap(p, 'AuthParameters');
  switch (flow) {
    case 'USER_SRP_AUTH':
      requireFlow(client, 'ALLOW_USER_SRP_AUTH', flow);
      return srpStart(ctx, pool, client, auth);
    case 'USER_PASSWORD_AUTH':
      requireFlow(client, 'ALLOW_USER_PASSWORD_AUTH', flow);
      return passwordSignIn(ctx, pool, client, auth);
    case 'REFRESH_TOKEN_AUTH':
    case 'REFRESH_TOKEN':
      requireFlow(client, 'ALLOW_REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN_AUTH');
      return refresh(ctx, pool, client, auth);
    case 'CUSTOM_AUTH':
    case 'USER_AUTH':
      throw new ApiError('InvalidParameterException', `${flow} flow not enabled for this client`);
    default:
      throw new ApiError(
        'InvalidParameterException',
        `1 validation error detected: Value '${flow.slice(0, 40)}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set`,
      );
  }
};

function passwordSignIn(ctx: Context, pool: PoolState, client: Client, auth: Record<string, string>) {
  const username = required(auth, 'USERNAME');
  const password = required(auth, 'PASSWORD');
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, auth['SECRET_HASH'], [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user) throw unknownUser(client);
  if (!checkPassword(user.passwordHash, password)) throw notAuthorized(INCORRECT);
  // ClientMetadata of InitiateAuth does not reach post authentication (cognito-facts.md §4).
  return passwordProven(ctx, pool, client, user, undefined);
}

/** Step 1 of SRP: B, the salt and a SECRET_BLOCK naming the server's state. */
function srpStart(ctx: Context, pool: PoolState, client: Client, auth: Record<string, string>) {
  const username = required(auth, 'USERNAME');
  const A = parseA(required(auth, 'SRP_A'));
  if (A === undefined) throw new ApiError('InvalidParameterException', 'Invalid SRP_A');
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, auth['SECRET_HASH'], [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user && !client.preventUserExistenceErrors) throw unknownUser(client);
  if (user?.passwordHash && !user.srp) {
    ctx.log(
      `${user.username} has no SRP verifier (restored from an older state file): set the password again`,
    );
  }
  // Unknown users (existence hidden) and users without a password get a decoy challenge that
  // fails at the second step, as Cognito's does.
  const real = user?.srp;
  const salt = real?.salt ?? newSalt();
  const userIdForSrp = user?.username ?? username;
  const v = verifierOf(salt, real?.hash ?? srpPasswordHash(pool.userPoolId, userIdForSrp, digest(salt)));
  const { b, B } = serverEphemeral(v);
  const secretBlock = ctx.authSessions.open({
    kind: 'srp',
    poolId: pool.userPoolId,
    clientId: client.clientId,
    sub: real ? user?.sub : undefined,
    userIdForSrp,
    A,
    B,
    b,
    v,
  });
  return {
    ChallengeName: 'PASSWORD_VERIFIER',
    ChallengeParameters: {
      SALT: salt,
      SECRET_BLOCK: secretBlock,
      SRP_B: B.toString(16),
      USERNAME: userIdForSrp,
      USER_ID_FOR_SRP: userIdForSrp,
    },
  };
}

function refresh(ctx: Context, pool: PoolState, client: Client, auth: Record<string, string>) {
  const token = required(auth, 'REFRESH_TOKEN');
  const rec = ctx.state.refreshTokens.get(digest(token));
  const nowMs = ctx.now();
  if (!rec || rec.clientId !== client.clientId) throw notAuthorized('Invalid Refresh Token');
  checkSecretHash(client, auth['SECRET_HASH'], [
    rec.username,
    rec.sub,
    ...(auth['USERNAME'] ? [auth['USERNAME']] : []),
  ]);
  if (rec.revoked) throw notAuthorized('Refresh Token has been revoked');
  if (rec.expiresAt <= nowMs) throw notAuthorized('Refresh Token has expired');
  const user = pool.bySub.get(rec.sub);
  if (!user) throw notAuthorized('Refresh Token has been revoked');
  if (!user.enabled) throw notAuthorized('User is disabled.');
  const minted = mintFromRefresh(ctx, pool, client, user, rec, nowMs);
  // No new refresh token: the client keeps using the one it has.
  return {
    ChallengeParameters: {},
    AuthenticationResult: {
      AccessToken: minted.accessToken,
      ExpiresIn: minted.expiresIn,
      TokenType: 'Bearer',
      IdToken: minted.idToken,
    },
  };
}
