/**
 * Refusals are published on the token:refused channel; without subscribers the unobserved
 * functions run as they are (no wrapper, no extra promise on the hot path).
 */
import { channels, codeOf } from '../observability/channels.ts';
import type { VerifiedToken } from './verified.ts';
import type { VerifyOptions } from './verifier.ts';

export interface VerifyFunctions {
  readonly verify: (token: string, options?: VerifyOptions) => Promise<VerifiedToken>;
  readonly verifySync: (token: string, options?: VerifyOptions) => VerifiedToken;
  readonly verifyCached: (token: string, options?: VerifyOptions) => VerifiedToken | undefined;
}

/** The verify functions, publishing their refusals when the channel has subscribers. */
export function observedVerify(unobserved: VerifyFunctions): VerifyFunctions {
  const {
    verify: verifyUnobserved,
    verifySync: verifySyncUnobserved,
    verifyCached: verifyCachedUnobserved,
  } = unobserved;
  const refused = (error: unknown, verifyOptions: VerifyOptions | undefined) =>
    channels.tokenRefused.publish({ code: codeOf(error), tokenUse: verifyOptions?.tokenUse ?? 'access' });
  function verifySync(token: string, verifyOptions?: VerifyOptions): VerifiedToken {
    if (!channels.tokenRefused.hasSubscribers) return verifySyncUnobserved(token, verifyOptions);
    try {
      return verifySyncUnobserved(token, verifyOptions);
    } catch (error) {
      refused(error, verifyOptions);
      throw error;
    }
  }
  function verify(token: string, verifyOptions?: VerifyOptions): Promise<VerifiedToken> {
    if (!channels.tokenRefused.hasSubscribers) return verifyUnobserved(token, verifyOptions);
    return verifyUnobserved(token, verifyOptions).catch((error: unknown) => {
      refused(error, verifyOptions);
      throw error;
    });
  }
  function verifyCached(token: string, verifyOptions?: VerifyOptions): VerifiedToken | undefined {
    if (!channels.tokenRefused.hasSubscribers) return verifyCachedUnobserved(token, verifyOptions);
    try {
      return verifyCachedUnobserved(token, verifyOptions);
    } catch (error) {
      refused(error, verifyOptions);
      throw error;
    }
  }
  return { verify, verifySync, verifyCached };
}
