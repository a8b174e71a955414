/**
 * The sync's mass-delete guard: a complete but wrong ListUsers answer (a wrong pool id, an IAM
 * policy that filters users, an emulator that restarted empty) looks exactly like a pool whose
 * users were deleted. Sweeping on it would soft-delete good users, so a run that would delete
 * more than a share of the users the replica knew refuses, unless the operator says the loss is
 * real.
 */
import { CognitoAuthError } from '../errors/errors.ts';

/** Sweeps of at most this many users are never refused (a small pool losing a few users). */
export const MASS_DELETE_FLOOR = 10;
export const DEFAULT_MAX_DELETE_RATIO = 0.5;

export interface MassDeleteLimit {
  /** Largest share (0 to 1) of the known users one run may delete. */
  readonly maxDeleteRatio: number;
  /** The operator confirmed the loss: no limit. */
  readonly allowMassDelete: boolean;
}

export function massDeleteLimit(options: {
  readonly maxDeleteRatio?: number | undefined;
  readonly allowMassDelete?: boolean | undefined;
}): MassDeleteLimit {
  const ratio = options.maxDeleteRatio ?? DEFAULT_MAX_DELETE_RATIO;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1))
    throw new CognitoAuthError('CONFIG_INVALID', 'maxDeleteRatio must be a number from 0 to 1');
  return { maxDeleteRatio: ratio, allowMassDelete: options.allowMassDelete === true };
}

/**
 * Throws SYNC_FAILED, naming the counts and the way out, when deleting `toDelete` of the `known`
 * live users (counted before the listing) passes the limit.
 */
export function checkMassDelete(
  limit: MassDeleteLimit,
  counts: { readonly toDelete: number; readonly known: number; readonly usersSeen: number },
): void {
  const { toDelete, known, usersSeen } = counts;
  if (limit.allowMassDelete || toDelete <= MASS_DELETE_FLOOR) return;
  if (toDelete <= known * limit.maxDeleteRatio) return;
  const percent = known > 0 ? Math.round((toDelete / known) * 100) : 100;
  throw new CognitoAuthError(
    'SYNC_FAILED',
    `sync refused to delete ${toDelete} of ${known} known users (${percent}%, more than the ` +
      `limit of ${Math.round(limit.maxDeleteRatio * 100)}%): ListUsers returned ${usersSeen} users. ` +
      'Check the user pool id, the region/endpoint and the IAM policy; if the users really are gone, ' +
      'run again with --allow-mass-delete (allowMassDelete: true) or a higher maxDeleteRatio. ' +
      'Nothing was deleted.',
    { details: { toDelete, known, usersSeen, maxDeleteRatio: limit.maxDeleteRatio } },
  );
}
