/**
 * GlobalSignOut (every refresh token of the user dies, and the access and ID tokens descended
 * from them stop working at Cognito's endpoints) and RevokeToken (one refresh token and its
 * descendants). Local JWT verifiers still accept those tokens until they expire, as with Cognito.
 */
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../api-error.ts';
import { str } from '../aws-json.ts';
import { digest } from '../digest.ts';
import { clientOf, type UserOperation, userOfAccessToken } from './common.ts';

export const globalSignOut: UserOperation = (ctx, p) => {
  const { user } = userOfAccessToken(ctx, p);
  ctx.state.revokeUserTokens(user.sub);
  ctx.log(`global sign-out: ${user.username}`);
  return {};
};

export const revokeToken: UserOperation = (ctx, p) => {
  const { client } = clientOf(ctx, p);
  const token = str(p, 'Token', true);
  const secret = str(p, 'ClientSecret');
  if (client.clientSecret !== undefined) {
    const a = Buffer.from(client.clientSecret);
    const b = Buffer.from(secret ?? '');
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new ApiError('NotAuthorizedException', 'Invalid client secret');
    }
  }
  if (!client.enableTokenRevocation) {
    throw new ApiError('UnsupportedOperationException', 'Token revocation is not enabled for this client');
  }
  if (token.split('.').length === 3)
    throw new ApiError('UnsupportedTokenTypeException', 'Unsupported token type');
  const rec = ctx.state.refreshTokens.get(digest(token));
  // Unknown, already revoked or another client's token: nothing to do, and nothing said.
  if (rec && rec.clientId === client.clientId && !rec.revoked) {
    rec.revoked = true;
    ctx.state.revokedOrigins.add(rec.originJti);
    ctx.state.version++;
  }
  return {};
};
