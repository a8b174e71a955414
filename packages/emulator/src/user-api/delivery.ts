/** Where a user's codes "go": the auto-verified attribute the user has a value for. */
import type { CodeDeliveryDetails, CodePurpose } from '../codes.ts';
import type { Context } from '../context.ts';
import type { PoolState, User } from '../state.ts';

/** Cognito texts the phone when both are auto-verified, else e-mails. */
export function deliveryAttribute(pool: PoolState, user: User): 'email' | 'phone_number' | undefined {
  for (const name of ['phone_number', 'email'] as const) {
    if (pool.autoVerifiedAttributes.includes(name) && user.attributes[name]) return name;
  }
  return undefined;
}

export function sendCode(
  ctx: Context,
  pool: PoolState,
  user: User,
  purpose: CodePurpose,
  attributeName: 'email' | 'phone_number',
): CodeDeliveryDetails {
  return ctx.codes.issue({
    poolId: pool.userPoolId,
    username: user.username,
    sub: user.sub,
    purpose,
    attributeName,
    value: user.attributes[attributeName] ?? '',
  });
}
