/**
 * The user API: the cognito-idp operations Cognito serves without an AWS signature (what Amplify
 * and amazon-cognito-identity-js call from a browser or app), by operation name.
 */
import type { Operation } from '../aws-json.ts';
import type { Context } from '../context.ts';
import {
  deleteUser,
  deleteUserAttributes,
  getUser,
  getUserAttributeVerificationCode,
  updateUserAttributes,
  verifyUserAttribute,
} from './account.ts';
import type { UserOperation } from './common.ts';
import { initiateAuth } from './initiate-auth.ts';
import { changePassword, confirmForgotPassword, forgotPassword } from './password.ts';
import { respondToAuthChallenge } from './respond-to-challenge.ts';
import { globalSignOut, revokeToken } from './sign-out.ts';
import { confirmSignUp, resendConfirmationCode, signUp } from './sign-up.ts';

const OPERATIONS: Record<string, UserOperation> = {
  SignUp: signUp,
  ConfirmSignUp: confirmSignUp,
  ResendConfirmationCode: resendConfirmationCode,
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  GetUser: getUser,
  UpdateUserAttributes: updateUserAttributes,
  DeleteUserAttributes: deleteUserAttributes,
  GetUserAttributeVerificationCode: getUserAttributeVerificationCode,
  VerifyUserAttribute: verifyUserAttribute,
  ChangePassword: changePassword,
  ForgotPassword: forgotPassword,
  ConfirmForgotPassword: confirmForgotPassword,
  GlobalSignOut: globalSignOut,
  RevokeToken: revokeToken,
  DeleteUser: deleteUser,
};

/** Operation names of the user API. */
export const USER_OPERATIONS = Object.freeze(Object.keys(OPERATIONS));

export function userOperation(ctx: Context, op: string): Operation | undefined {
  const fn = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
  return fn && ((p) => fn(ctx, p));
}
