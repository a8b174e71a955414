import { CognitoAuthError } from '../../errors/errors.ts';

/** Table names of the replica for a given prefix (one place, so queries and migrations agree). */
export interface ReplicaTables {
  readonly users: string;
  readonly groups: string;
  readonly userGroups: string;
  readonly webhookEvents: string;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,30}$/;

/** Validates the prefix (it is spliced into identifiers) and returns the table names. */
export function replicaTables(prefix = 'cognito_'): ReplicaTables {
  if (prefix !== '' && !PREFIX.test(prefix)) {
    throw new CognitoAuthError('CONFIG_INVALID', 'tablePrefix must match /^[A-Za-z_][A-Za-z0-9_]{0,30}$/');
  }
  return Object.freeze({
    users: `${prefix}users`,
    groups: `${prefix}groups`,
    userGroups: `${prefix}user_groups`,
    webhookEvents: `${prefix}webhook_events`,
  });
}
