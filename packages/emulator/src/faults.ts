/** Faults a test can switch on while the emulator runs (all off by default). */
export interface Faults {
  tokenEndpoint: {
    /** Delay every /oauth2/token answer by this many ms. */
    delayMs?: number | undefined;
    /** Answer /oauth2/token with this status and JSON body instead of processing it. */
    failWith?: { status: number; body?: unknown } | null | undefined;
    /** With `failWith`: fail only this many requests, then recover (undefined = until cleared). */
    failTimes?: number | undefined;
  };
  /**
   * JWKS document: `broken` = invalid JSON (200), `empty` = `{"keys":[]}`, `error` = HTTP 500,
   * `null` = normal.
   */
  jwks: 'broken' | 'empty' | 'error' | null;
  /** The next N admin-API calls fail with TooManyRequestsException. */
  adminThrottle: number;
  /** ListUsers/ListUsersInGroup answer every other page with zero items and a token (eventual consistency). */
  emptyPages: boolean;
}

export function createFaults(): Faults {
  return { tokenEndpoint: {}, jwks: null, adminThrottle: 0, emptyPages: false };
}
