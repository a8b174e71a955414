/**
 * Signing of Cognito trigger events forwarded to the app (the Lambda forwarder and the emulator
 * sign; the app's `POST /auth/cognito-events` verifies). HMAC-SHA256 over
 * `v1:{timestamp}:{eventId}:{body}` with a shared secret, hex encoded, sent as `v1=<hex>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CognitoAuthError } from '../errors/errors.ts';

export const WEBHOOK_HEADERS = Object.freeze({
  timestamp: 'x-cognito-event-timestamp',
  eventId: 'x-cognito-event-id',
  signature: 'x-cognito-event-signature',
});

/** Default accepted distance between the signed timestamp and now. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Upper bound for `toleranceSeconds`: a wider window only widens the replay window. */
export const WEBHOOK_MAX_TOLERANCE_SECONDS = 900;

/**
 * Refuses a tolerance that would switch the timestamp check off or weaken it (NaN, Infinity,
 * fractions, <= 0, > 900) with CONFIG_INVALID. Returns the value, or the default when undefined.
 */
export function checkWebhookTolerance(value: number | undefined): number {
  if (value === undefined) return WEBHOOK_TOLERANCE_SECONDS;
  if (!Number.isInteger(value) || value < 1 || value > WEBHOOK_MAX_TOLERANCE_SECONDS) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      `toleranceSeconds must be an integer from 1 to ${WEBHOOK_MAX_TOLERANCE_SECONDS}`,
    );
  }
  return value;
}

const EVENT_ID = /^[\w.:-]{1,128}$/;

export function computeWebhookSignature(
  secret: string,
  timestamp: number,
  eventId: string,
  body: string,
): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${eventId}:${body}`).digest('hex')}`;
}

/** The three headers to send with `body` (the exact bytes that will be POSTed). */
export function signWebhook(
  secret: string,
  body: string,
  options: { eventId: string; now?: () => number },
): Record<string, string> {
  if (!EVENT_ID.test(options.eventId))
    throw new CognitoAuthError('BAD_REQUEST', 'eventId has invalid characters');
  const timestamp = Math.floor((options.now ?? Date.now)() / 1000);
  return {
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.eventId]: options.eventId,
    [WEBHOOK_HEADERS.signature]: computeWebhookSignature(secret, timestamp, options.eventId, body),
  };
}

export interface VerifiedWebhook {
  readonly eventId: string;
  readonly timestamp: number;
}

/**
 * Checks the signature against every accepted secret (rotation) in constant time, then the
 * timestamp window. Throws WEBHOOK_SIGNATURE_INVALID or WEBHOOK_STALE (CONFIG_INVALID when
 * `toleranceSeconds` is not an integer from 1 to 900).
 */
export function verifyWebhook(
  secrets: readonly string[],
  headers: (name: string) => string | undefined,
  body: string,
  options: { now?: () => number; toleranceSeconds?: number } = {},
): VerifiedWebhook {
  const tolerance = checkWebhookTolerance(options.toleranceSeconds);
  const rawTs = headers(WEBHOOK_HEADERS.timestamp);
  const eventId = headers(WEBHOOK_HEADERS.eventId);
  const signature = headers(WEBHOOK_HEADERS.signature);
  if (!rawTs || !eventId || !signature || !/^\d{1,12}$/.test(rawTs) || !EVENT_ID.test(eventId)) {
    throw new CognitoAuthError('WEBHOOK_SIGNATURE_INVALID', 'missing or malformed signature headers');
  }
  const timestamp = Number(rawTs);
  const given = Buffer.from(signature);
  let ok = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeWebhookSignature(secret, timestamp, eventId, body));
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  if (!ok) throw new CognitoAuthError('WEBHOOK_SIGNATURE_INVALID', 'signature does not match');
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (!(Math.abs(now - timestamp) <= tolerance)) {
    throw new CognitoAuthError('WEBHOOK_STALE', 'event timestamp is outside the accepted window');
  }
  return { eventId, timestamp };
}
