/**
 * The library's events on `node:diagnostics_channel`, the ecosystem's way (undici, Fastify and
 * the OpenTelemetry instrumentations use it): subscribe by name, from any copy of the library
 * (ESM or CJS: a channel is global per name). Payloads carry no token, secret, cookie or
 * session id; ids (`sub`, client, pool) and error codes only. Publishing costs nothing when
 * nobody subscribes: every call site checks `hasSubscribers` before building a payload.
 *
 * @example
 * import { subscribe } from 'node:diagnostics_channel';
 * import { CHANNELS } from 'cognito-code-grant';
 * subscribe(CHANNELS.tokenRefused, (event) => metrics.count('auth.refused', { code: event.code }));
 */
import { channel } from 'node:diagnostics_channel';
import type { CognitoAuthErrorCode } from '../errors/errors.ts';

/** Channel names (documented in docs/observability.md; stable). */
export const CHANNELS = Object.freeze({
  /** A sign-in completed at the callback, or failed there. {@link SignInEvent} */
  signIn: 'cognito-code-grant:login:signin',
  /** A session ended: logout, expiry, refused refresh, replaced by a new sign-in, too large. {@link SignOutEvent} */
  signOut: 'cognito-code-grant:login:signout',
  /** A session's tokens were refreshed at Cognito, or that failed. {@link RefreshEvent} */
  refresh: 'cognito-code-grant:session:refresh',
  /** The verifier refused a token. {@link TokenRefusedEvent} */
  tokenRefused: 'cognito-code-grant:token:refused',
  /** A JWKS download finished or failed. {@link JwksFetchEvent} */
  jwksFetch: 'cognito-code-grant:jwks:fetch',
  /** The replica wrote a user (and its groups) or changed its status. {@link ReplicaWriteEvent} */
  replicaWrite: 'cognito-code-grant:replica:write',
  /** The trigger-events route applied, ignored or refused an event. {@link WebhookEventEvent} */
  webhookEvent: 'cognito-code-grant:webhook:event',
  /** The signature helper thread started, or went down. {@link SignatureThreadEvent} */
  signatureThread: 'cognito-code-grant:signature-thread',
});

export interface SignInEvent {
  readonly outcome: 'success' | 'failure';
  readonly userPoolId: string;
  readonly clientId: string;
  /** The user's `sub` (success only). */
  readonly sub?: string | undefined;
  /** The error code (failure only), e.g. `LOGIN_STATE_INVALID`, `CALLBACK_INVALID`. */
  readonly code?: CognitoAuthErrorCode | 'INTERNAL_ERROR' | undefined;
}

export interface SignOutEvent {
  readonly reason: 'logout' | 'expired' | 'refresh-refused' | 'replaced' | 'too-large';
  /** Undefined when no session was found (a logout without a session). */
  readonly sub?: string | undefined;
}

export interface RefreshEvent {
  /** `deferred`: Cognito could not be reached but the access token is still valid; retried later. */
  readonly outcome: 'success' | 'deferred' | 'failure';
  readonly sub: string;
  readonly code?: CognitoAuthErrorCode | 'INTERNAL_ERROR' | undefined;
  /** Time spent, by the login's clock (ms). */
  readonly durationMs: number;
}

export interface TokenRefusedEvent {
  readonly code: CognitoAuthErrorCode | 'INTERNAL_ERROR';
  /** What the caller expected (`access` by default). */
  readonly tokenUse: 'access' | 'id' | 'any';
}

export interface JwksFetchEvent {
  readonly jwksUri: string;
  readonly outcome: 'success' | 'failure';
  /** Usable keys after a success. */
  readonly keys?: number | undefined;
  readonly code?: CognitoAuthErrorCode | 'INTERNAL_ERROR' | undefined;
  readonly durationMs: number;
}

export interface ReplicaWriteEvent {
  readonly operation: 'userCreated' | 'userUpdated' | 'groupsChanged' | 'userDeleted';
  readonly userPoolId: string;
  /** Null for a local row not linked to Cognito yet. */
  readonly sub: string | null;
  /** What caused the write: `login`, `bearer`, `session`, `webhook` or `sync`. */
  readonly source: string;
}

export interface WebhookEventEvent {
  readonly outcome: 'applied' | 'ignored' | 'duplicate' | 'refused';
  readonly triggerSource?: string | undefined;
  readonly code?: CognitoAuthErrorCode | 'INTERNAL_ERROR' | undefined;
}

export interface SignatureThreadEvent {
  /** `up`: the helper runs; `down`: it failed, exited or stopped answering (for good). */
  readonly state: 'up' | 'down';
  /** Why it went down. */
  readonly reason?: string | undefined;
}

/** A diagnostics channel whose messages have type T (publishing side). */
export interface EventChannel<T> {
  readonly hasSubscribers: boolean;
  publish(message: T): void;
}

/** The channel objects (one per name, shared by every loaded copy of the library). */
export const channels = Object.freeze({
  signIn: channel(CHANNELS.signIn) as EventChannel<SignInEvent>,
  signOut: channel(CHANNELS.signOut) as EventChannel<SignOutEvent>,
  refresh: channel(CHANNELS.refresh) as EventChannel<RefreshEvent>,
  tokenRefused: channel(CHANNELS.tokenRefused) as EventChannel<TokenRefusedEvent>,
  jwksFetch: channel(CHANNELS.jwksFetch) as EventChannel<JwksFetchEvent>,
  replicaWrite: channel(CHANNELS.replicaWrite) as EventChannel<ReplicaWriteEvent>,
  webhookEvent: channel(CHANNELS.webhookEvent) as EventChannel<WebhookEventEvent>,
  signatureThread: channel(CHANNELS.signatureThread) as EventChannel<SignatureThreadEvent>,
});

/** The code of an error for a payload: the library's code, or `INTERNAL_ERROR`. */
export function codeOf(error: unknown): CognitoAuthErrorCode | 'INTERNAL_ERROR' {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z_]+$/.test(code)
    ? (code as CognitoAuthErrorCode)
    : 'INTERNAL_ERROR';
}
