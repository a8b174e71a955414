/** `cognito-code-grant/sync`: full reconciliation of the replica with a user pool. */
export {
  type CognitoAdminClient,
  type SyncOptions,
  type SyncProgress,
  type SyncReport,
  syncPool,
} from './sync.ts';
