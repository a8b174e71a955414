/**
 * One write in flight: the sync's passes start a write and go on reading while it runs, at most
 * one at a time, so the database and the admin API work side by side (measured in ADR 0005's
 * runs). A failed write surfaces at the next `start` or at `done`, never as an unhandled rejection.
 */
export interface WriteInFlight {
  /** Waits for the previous write (throwing its failure), then starts `write` without waiting. */
  start(write: () => Promise<void>): Promise<void>;
  /** Resolves once the last write is done; rejects if it failed. */
  done(): Promise<void>;
  /** Resolves once the last write is over, whatever its outcome (a failed run's way out). */
  settled(): Promise<void>;
}

export function writeInFlight(): WriteInFlight {
  let writing: Promise<void> = Promise.resolve();
  return {
    async start(write) {
      await writing;
      writing = write();
      writing.catch(() => {});
    },
    done: () => writing,
    settled: () =>
      writing.then(
        () => {},
        () => {},
      ),
  };
}
