/**
 * Authorization checks on a principal. Group and scope names compare by exact code points (`===`,
 * no case folding or normalisation). Only `cognito:groups` and `scope` count: `custom:*` claims
 * never grant anything.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { Principal } from './principal.ts';

function checkList(name: string, list: readonly string[]): void {
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new CognitoAuthError('CONFIG_INVALID', `${name} must be a non-empty array of non-empty strings`);
  }
}

/** The fixed message of a `GROUP_REQUIRED` refusal. */
export const GROUP_REQUIRED_MESSAGE = 'Not in a group this resource requires';

/** Passes when the principal is in AT LEAST ONE of `groups`; otherwise throws `GROUP_REQUIRED`. */
export function checkGroups(principal: Principal, groups: readonly string[]): void {
  checkList('groups', groups);
  const have = principal.groups;
  for (const group of groups) {
    if (have.includes(group)) return;
  }
  // Group names describe the app's authorization model: kept for logs (`details`), not sent to
  // the client (error bodies carry only code and message).
  throw new CognitoAuthError('GROUP_REQUIRED', GROUP_REQUIRED_MESSAGE, { details: { groups: [...groups] } });
}

/** Passes when the principal has ALL of `scopes`; otherwise throws `SCOPE_REQUIRED`. */
export function checkScopes(principal: Principal, scopes: readonly string[]): void {
  checkList('scopes', scopes);
  const have = principal.scopes;
  const missing = scopes.filter((s) => !have.includes(s));
  if (missing.length > 0)
    throw new CognitoAuthError('SCOPE_REQUIRED', `requires scope(s): ${missing.join(', ')}`);
}
