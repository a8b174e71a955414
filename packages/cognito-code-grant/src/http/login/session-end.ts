/**
 * The one place a session ends (logout, expiry, a refresh refused, a new sign-in replacing it,
 * tokens that no longer fit): the backend forgets it and the cookie is cleared. `reason` says
 * why, for whatever must also be recorded when a session ends.
 */
import type { Cookies } from '../../session/backends.ts';
import type { SessionState } from '../../session/session-data.ts';
import { channels } from '../../observability/channels.ts';
import type { LoginContext } from './context.ts';

export type SessionEndReason = 'logout' | 'expired' | 'refresh-refused' | 'replaced' | 'too-large';

export interface SessionEnd {
  /** Set-Cookie values clearing the session cookie (always, even when the backend failed). */
  readonly setCookies: string[];
  /** The backend's error when it could not record the end (the cookie is cleared anyway). */
  readonly failure?: unknown;
}

/** Ends `state` (or only clears the cookie when there is no session). Never throws. */
export async function endSession(
  ctx: LoginContext,
  state: SessionState | undefined,
  cookies: Cookies,
  reason: SessionEndReason,
): Promise<SessionEnd> {
  if (channels.signOut.hasSubscribers) channels.signOut.publish({ reason, sub: state?.principal.sub });
  try {
    return { setCookies: state ? await ctx.backend.destroy(state, cookies) : ctx.backend.clear(cookies) };
  } catch (error) {
    return { setCookies: ctx.backend.clear(cookies), failure: error };
  }
}
