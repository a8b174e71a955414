/**
 * RespondToAuthChallenge: PASSWORD_VERIFIER (SRP's second step: the client's claim signature
 * over poolName, USER_ID_FOR_SRP, SECRET_BLOCK and TIMESTAMP, checked with the key derived from
 * A, B, b and the verifier) and NEW_PASSWORD_REQUIRED (an admin-created user sets a password,
 * optionally with `userAttributes.*`). Other challenges (MFA, custom, device) are not emulated.
 */
import { ApiError } from '../api-error.ts';
import { checkAttributeName } from '../attributes.ts';
import { str, stringMap } from '../aws-json.ts';
import { checkPasswordPolicy } from '../passwords.ts';
import {
  claimSignature,
  parseCognitoTimestamp,
  passwordAuthenticationKey,
  signatureMatches,
} from '../srp.ts';
import { checkSecretHash, clientOf, INCORRECT, notAuthorized, type UserOperation } from './common.ts';
import { authenticationResult, passwordProven } from './signed-in.ts';

const EXPIRED = 'Invalid session for the user, session is expired.';

function required(responses: Record<string, string>, name: string): string {
  const v = responses[name];
  if (!v) throw new ApiError('InvalidParameterException', `Missing required parameter ${name}`);
  return v;
}

export const respondToAuthChallenge: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const name = str(p, 'ChallengeName', true);
  const responses = stringMap(p, 'ChallengeResponses');
  const metadata = stringMap(p, 'ClientMetadata');

  if (name === 'PASSWORD_VERIFIER') {
    const block = required(responses, 'PASSWORD_CLAIM_SECRET_BLOCK');
    const signature = required(responses, 'PASSWORD_CLAIM_SIGNATURE');
    const timestamp = required(responses, 'TIMESTAMP');
    const username = required(responses, 'USERNAME');
    if (parseCognitoTimestamp(timestamp) === undefined) {
      throw new ApiError(
        'InvalidParameterException',
        'TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.',
      );
    }
    const session = ctx.authSessions.take(block);
    if (session?.kind !== 'srp' || session.clientId !== client.clientId) throw notAuthorized(EXPIRED);
    const user = session.sub ? pool.bySub.get(session.sub) : undefined;
    checkSecretHash(client, responses['SECRET_HASH'], [username, ...(user ? [user.username, user.sub] : [])]);
    if (!user || username !== session.userIdForSrp) throw notAuthorized(INCORRECT);
    const key = passwordAuthenticationKey(session.A, session.B, session.b, session.v);
    const expected = claimSignature(key, pool.userPoolId, session.userIdForSrp, block, timestamp);
    if (!signatureMatches(expected, signature)) throw notAuthorized(INCORRECT);
    return passwordProven(ctx, pool, client, user, metadata);
  }

  if (name === 'NEW_PASSWORD_REQUIRED') {
    const handle = str(p, 'Session', true);
    const session = ctx.authSessions.peek(handle);
    if (session?.kind !== 'new_password' || session.clientId !== client.clientId) {
      throw notAuthorized(EXPIRED);
    }
    const user = pool.bySub.get(session.sub);
    if (user?.status !== 'FORCE_CHANGE_PASSWORD') throw notAuthorized(EXPIRED);
    const username = required(responses, 'USERNAME');
    checkSecretHash(client, responses['SECRET_HASH'], [username, user.username, user.sub]);
    const password = required(responses, 'NEW_PASSWORD');
    checkPasswordPolicy(password, pool.passwordPolicy);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(responses)) {
      if (!k.startsWith('userAttributes.')) continue;
      const attr = k.slice('userAttributes.'.length);
      checkAttributeName(attr, false);
      attributes[attr] = v;
    }
    ctx.authSessions.take(handle);
    // The post confirmation event below carries them: no separate attribute event.
    Object.assign(user.attributes, attributes);
    ctx.state.completeNewPassword(pool, user, password, client.clientId);
    if (!user.enabled) throw notAuthorized('User is disabled.');
    return authenticationResult(ctx, pool, client, user, 'NewPasswordChallenge', metadata);
  }

  throw new ApiError(
    'InvalidParameterException',
    `The challenge ${name.slice(0, 40)} is not supported by this emulator`,
  );
};
