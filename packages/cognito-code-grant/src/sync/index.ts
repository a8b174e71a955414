/**
 * `cognito-code-grant/sync`: full reconciliation of the replica with a user pool. This entry
 * point is where the sync meets its SQL store (like the main entry does for the others): the
 * reconciliation itself (sync.ts) only knows the SyncStore port.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { createKyselySyncStore } from '../store/kysely/sync-store.ts';
import { reconcilePool, type SyncOptions, type SyncReport } from './sync.ts';

export type { CognitoAdminClient, SyncOptions, SyncProgress, SyncReport } from './sync.ts';

/**
 * Reconciles the replica with the pool and reports what changed (or, with `dryRun`, what would).
 * Throws SYNC_FAILED (cause attached) when the admin API or the database fails.
 */
export async function syncPool(options: SyncOptions): Promise<SyncReport> {
  const db = options.replica?.db ?? options.db;
  if (!db) throw new CognitoAuthError('CONFIG_INVALID', 'syncPool needs a replica or a db');
  const prefix = options.replica?.tablePrefix ?? options.tablePrefix ?? 'cognito_';
  return reconcilePool(options, createKyselySyncStore(db, prefix));
}
