/**
 * Deadlines for calls to a dependency (a database, Redis): a partition must cost a bounded
 * answer, never a hang (issue 18).
 */
import { CognitoAuthError } from '../errors/errors.ts';

/** The error a call gets when its deadline passes (a STORE_FAILED, as every store failure). */
export function deadlineError(what: string, ms: number): CognitoAuthError {
  return new CognitoAuthError('STORE_FAILED', `${what} timed out after ${ms} ms`, {
    details: { timeoutMs: ms },
  });
}

/**
 * Settles with `promise`, or rejects with `deadlineError` after `ms` (0: no deadline) and calls
 * `onTimeout`. A late settlement of `promise` is swallowed (never an unhandled rejection).
 */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  if (!(ms > 0)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(deadlineError(what, ms));
      onTimeout?.();
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
