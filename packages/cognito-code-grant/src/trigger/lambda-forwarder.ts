/**
 * `cognito-code-grant/lambda`: a Cognito trigger handler that forwards the event to the app's
 * `POST /auth/cognito-events`, signed, and always returns the event unchanged, so a slow or
 * broken app never blocks a sign-in. Node built-ins only (deploy the bundled file as is).
 *
 * Environment: COGNITO_EVENTS_URL (the app endpoint), COGNITO_WEBHOOK_SECRET (the first of a
 * comma-separated list is used to sign), COGNITO_EVENTS_TIMEOUT_MS (default 3000; Cognito
 * allows 5 s per invocation).
 */
import { randomId as newRandomId } from '../util/random.ts';
import { signWebhook } from './signature.ts';

export interface ForwarderOptions {
  readonly url: string;
  readonly secret: string;
  /** Injectable for tests; default global fetch. */
  readonly fetch?: typeof fetch;
  /** Default 3000 ms, capped at 4000 (Cognito gives up after 5 s). */
  readonly timeoutMs?: number;
  /** Default: one JSON line on stderr (no secret, no body). */
  readonly log?: (line: Record<string, unknown>) => void;
  readonly now?: () => number;
  /** Injectable for tests; default `crypto.randomUUID`. Used when the Lambda context has no request id. */
  readonly randomId?: () => string;
}

/** The part of the Lambda context the forwarder reads. */
export interface ForwarderContext {
  readonly awsRequestId?: string;
}

const EVENT_ID = /^[\w.:-]{1,128}$/;

/**
 * One id per forwarded event. Cognito trigger events carry no unique field, so two deliveries of
 * the same user state (groups [] -> [admins] -> []) have identical bodies: an id derived from the
 * body would make the app drop the third as a duplicate. The Lambda request id is unique per
 * invocation; applying the full user state twice is harmless.
 */
export function eventIdFor(context: ForwarderContext | undefined, randomId: () => string): string {
  const id = context?.awsRequestId;
  return typeof id === 'string' && EVENT_ID.test(id) ? id : randomId();
}

type CognitoEvent = Record<string, unknown>;

/** Builds a handler; `handler` below is this with the configuration read from the environment. */
export function createForwarder(
  options: ForwarderOptions,
): <E>(event: E, context?: ForwarderContext) => Promise<E> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = Math.min(Math.max(options.timeoutMs ?? 3000, 100), 4000);
  const log = options.log ?? ((line) => console.error(JSON.stringify(line)));
  const randomId = options.randomId ?? newRandomId;
  return async <E>(event: E, context?: ForwarderContext): Promise<E> => {
    const source = (event as CognitoEvent | null)?.triggerSource;
    const started = Date.now();
    try {
      if (!options.url || !options.secret) {
        log({ msg: 'cognito-events forwarder is not configured', triggerSource: source });
        return event;
      }
      const body = JSON.stringify(event);
      // One id per invocation (no per-attempt ids: a resend of this request must look like one).
      const headers = signWebhook(options.secret, body, {
        eventId: eventIdFor(context, randomId),
        ...(options.now ? { now: options.now } : {}),
      });
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain so the socket can be reused by the next invocation.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok)
        log({ msg: 'cognito-events forward refused', status: response.status, triggerSource: source });
    } catch (error) {
      const name = (error as { name?: string } | null)?.name ?? 'Error';
      log({
        msg: 'cognito-events forward failed',
        error: name,
        triggerSource: source,
        ms: Date.now() - started,
      });
    }
    return event;
  };
}

/** The Lambda entry point (configure it as the post-confirmation, post-authentication and pre-token-generation trigger). */
export const handler = async <E>(event: E, context?: ForwarderContext): Promise<E> => {
  const secret = (process.env.COGNITO_WEBHOOK_SECRET ?? '').split(',')[0]?.trim() ?? '';
  const timeout = Number(process.env.COGNITO_EVENTS_TIMEOUT_MS);
  return createForwarder({
    url: process.env.COGNITO_EVENTS_URL ?? '',
    secret,
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
  })(event, context);
};
