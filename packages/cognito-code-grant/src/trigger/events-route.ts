/**
 * `POST /auth/cognito-events`: Cognito trigger events forwarded by the Lambda in src/lambda (and
 * the emulator's admin-change events), verified, de-duplicated and applied to the replica.
 * Order matters: size cap, signature, timestamp, shape, then the idempotence claim, then the
 * write. Every refusal happens before anything is written.
 */
import { channels, codeOf } from '../observability/channels.ts';
import { createHash } from 'node:crypto';
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import { SERVER_ERROR_MESSAGE } from '../http/error-response.ts';
import {
  logServerError,
  reportServerError,
  type ServerErrorListener,
  serverErrorListener,
} from '../errors/server-errors.ts';
import type { RouteHandler } from '../http/types.ts';
import { jsonResponse } from '../util/json-response.ts';
import { declaredLength, readStreamCapped } from '../util/read-capped.ts';
import { attributesFromRecord } from '../replica/normalize.ts';
import type { Replica, UserState } from '../replica/types.ts';
import { checkWebhookTolerance, verifyWebhook } from './signature.ts';

export interface CognitoEventsRouteOptions {
  readonly replica: Replica;
  /** Called when an event is answered with status 500 or more (see docs/errors.md). Default: one `console.error` line. */
  readonly onServerError?: ServerErrorListener | undefined;
  /** Accepted secrets (first = current; more during rotation). See `webhookSecretsFromEnv`. */
  readonly secrets: readonly string[];
  /** Default `/auth/cognito-events`. */
  readonly path?: string;
  /** Default 256 KiB (Lambda events are at most 6 MB, trigger events far smaller). */
  readonly maxBodyBytes?: number;
  /** Default 300 s; an integer from 1 to 900. */
  readonly toleranceSeconds?: number;
  /**
   * The pool whose events are accepted; default `replica.poolId`. One of the two is required:
   * events of any other pool are refused (WEBHOOK_PAYLOAD_INVALID, nothing written).
   */
  readonly userPoolId?: string;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** Splits `COGNITO_WEBHOOK_SECRET` (comma-separated for rotation) into the accepted secrets. */
export function webhookSecretsFromEnv(
  value: string | undefined = process.env.COGNITO_WEBHOOK_SECRET,
): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const json = jsonResponse;

async function readCapped(request: Request, max: number): Promise<string> {
  const declared = declaredLength(request.headers.get('content-length'));
  if (declared !== undefined && !(declared <= max))
    throw new CognitoAuthError('REQUEST_TOO_LARGE', 'event body too large');
  let text: string | undefined;
  try {
    // Strict: an event whose bytes are not UTF-8 is refused, not read with U+FFFD in it.
    text = await readStreamCapped(request.body, max, true);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_ENCODING_INVALID_ENCODED_DATA') throw error;
    throw new CognitoAuthError('WEBHOOK_PAYLOAD_INVALID', 'event body is not UTF-8');
  }
  if (text === undefined) throw new CognitoAuthError('REQUEST_TOO_LARGE', 'event body too large');
  return text;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string) => new CognitoAuthError('WEBHOOK_PAYLOAD_INVALID', message);

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 128)) {
    throw invalid(`${what} must be an array of group names`);
  }
  return v as string[];
}

/** What to do with a validated event. */
type Action =
  | { kind: 'user'; state: UserState }
  | { kind: 'delete'; poolId: string; sub: string }
  | { kind: 'enable'; poolId: string; sub: string; enabled: boolean; state: UserState | undefined }
  | { kind: 'membership'; poolId: string; sub: string; group: string; member: boolean }
  | { kind: 'group'; poolId: string; name: string; description?: string | null; precedence?: number | null }
  | { kind: 'deleteGroup'; poolId: string; name: string }
  | { kind: 'ignore' };

function userStateOf(event: Json, poolId: string, request: Json, extra: Partial<UserState> = {}): UserState {
  const raw = request.userAttributes;
  if (!isObject(raw)) throw invalid('request.userAttributes must be an object');
  const sub = raw.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128)
    throw invalid('userAttributes.sub is missing');
  const all = attributesFromRecord(raw);
  // `cognito:*` entries are Cognito's pseudo-attributes (status, aliases), not user attributes.
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!k.startsWith('cognito:')) attributes[k] = v;
  const username = typeof event.userName === 'string' && event.userName.length > 0 ? event.userName : null;
  const status =
    typeof raw['cognito:user_status'] === 'string' ? (raw['cognito:user_status'] as string) : undefined;
  return { poolId, sub, username, attributes, status, ...extra };
}

/** The emulator's admin events also carry `enabled`, `userStatus` and the full `groups` set. */
function emulatorExtras(request: Json, over: Partial<UserState> = {}): Partial<UserState> {
  const out: { enabled?: boolean; status?: string; groups?: string[] } = {};
  if (typeof request.enabled === 'boolean') out.enabled = request.enabled;
  if (typeof request.userStatus === 'string') out.status = request.userStatus;
  if (request.groups !== undefined) out.groups = stringList(request.groups, 'request.groups');
  return { ...out, ...over };
}

function subOf(request: Json): string {
  const attrs = isObject(request.userAttributes) ? request.userAttributes : {};
  const sub = attrs.sub ?? request.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw invalid('user sub is missing');
  return sub;
}

function groupNameOf(request: Json): string {
  // The emulator sends `group: { GroupName, Description, Precedence }` for group events and
  // `groupName` for membership events.
  const name = request.groupName ?? (isObject(request.group) ? request.group.GroupName : undefined);
  if (typeof name !== 'string' || name.length === 0 || name.length > 128)
    throw invalid('request.groupName is missing');
  return name;
}

/** Validates the event and decides what it means for the replica. */
export function interpretEvent(event: unknown, expectedPoolId: string): Action & { triggerSource: string } {
  if (!isObject(event)) throw invalid('event must be a JSON object');
  const { triggerSource, userPoolId, request } = event;
  if (typeof triggerSource !== 'string' || !/^[A-Za-z0-9_]{1,64}$/.test(triggerSource))
    throw invalid('triggerSource is missing');
  if (typeof userPoolId !== 'string' || !/^[\w-]+_[0-9A-Za-z]+$/.test(userPoolId))
    throw invalid('userPoolId is missing');
  if (userPoolId !== expectedPoolId) throw invalid('event is for another user pool');
  if (!isObject(request)) throw invalid('request must be an object');
  const poolId = userPoolId;
  const done = (a: Action) => ({ ...a, triggerSource });

  if (triggerSource === 'TokenGeneration_ClientCredentials') return done({ kind: 'ignore' });
  if (triggerSource.startsWith('PostConfirmation_'))
    return done({ kind: 'user', state: userStateOf(event, poolId, request) });
  if (triggerSource.startsWith('PostAuthentication_')) {
    return done({ kind: 'user', state: userStateOf(event, poolId, request, { login: true, enabled: true }) });
  }
  if (triggerSource.startsWith('TokenGeneration_')) {
    const gc = request.groupConfiguration;
    const groups =
      isObject(gc) && gc.groupsToOverride != null
        ? stringList(gc.groupsToOverride, 'groupsToOverride')
        : undefined;
    return done({ kind: 'user', state: userStateOf(event, poolId, request, { groups }) });
  }
  switch (triggerSource) {
    case 'Emulator_AdminDeleteUser':
    case 'Emulator_DeleteUser':
      return done({ kind: 'delete', poolId, sub: subOf(request) });
    case 'Emulator_AdminDisableUser':
    case 'Emulator_AdminEnableUser': {
      const enabled = triggerSource === 'Emulator_AdminEnableUser';
      const state = isObject(request.userAttributes)
        ? userStateOf(event, poolId, request, emulatorExtras(request, { enabled }))
        : undefined;
      return done({ kind: 'enable', poolId, sub: subOf(request), enabled, state });
    }
    case 'Emulator_AdminAddUserToGroup':
    case 'Emulator_AdminRemoveUserFromGroup': {
      const member = triggerSource === 'Emulator_AdminAddUserToGroup';
      if (request.groups !== undefined && isObject(request.userAttributes)) {
        return done({ kind: 'user', state: userStateOf(event, poolId, request, emulatorExtras(request)) });
      }
      return done({ kind: 'membership', poolId, sub: subOf(request), group: groupNameOf(request), member });
    }
    case 'Emulator_CreateGroup':
    case 'Emulator_UpdateGroup': {
      const g = isObject(request.group) ? request.group : {};
      const rawDescription = request.description ?? g.Description;
      const description = typeof rawDescription === 'string' ? rawDescription : undefined;
      const p = request.precedence ?? g.Precedence;
      const precedence = typeof p === 'number' && Number.isInteger(p) && p >= 0 ? p : undefined;
      return done({ kind: 'group', poolId, name: groupNameOf(request), description, precedence });
    }
    case 'Emulator_DeleteGroup':
      return done({ kind: 'deleteGroup', poolId, name: groupNameOf(request) });
  }
  if (triggerSource.startsWith('Emulator_') && isObject(request.userAttributes)) {
    // AdminCreateUser, AdminUpdateUserAttributes, AdminSetUserPassword, ...: the full user as it is now.
    return done({ kind: 'user', state: userStateOf(event, poolId, request, emulatorExtras(request)) });
  }
  return done({ kind: 'ignore' });
}

async function apply(replica: Replica, action: Action): Promise<void> {
  switch (action.kind) {
    case 'user':
      await replica.applyUserState(action.state, 'webhook');
      return;
    case 'delete':
      await replica.deleteUser(action.poolId, action.sub, 'webhook');
      return;
    case 'enable':
      if (action.state) await replica.applyUserState(action.state, 'webhook');
      else await replica.setEnabled(action.poolId, action.sub, action.enabled, 'webhook');
      return;
    case 'membership':
      await replica.changeMembership(action.poolId, action.sub, action.group, action.member, 'webhook');
      return;
    case 'group':
      await replica.upsertGroup(action.poolId, action);
      return;
    case 'deleteGroup':
      await replica.deleteGroup(action.poolId, action.name, 'webhook');
      return;
    case 'ignore':
      return;
  }
}

/** The route an adapter mounts. Answers 200 JSON on success and on a duplicate delivery. */
export function createCognitoEventsRoute(options: CognitoEventsRouteOptions): RouteHandler {
  const secrets = options.secrets.filter((s) => typeof s === 'string' && s.length > 0);
  if (secrets.length === 0)
    throw new CognitoAuthError('CONFIG_INVALID', 'at least one webhook secret is required');
  if (secrets.some((s) => s.length < 16))
    throw new CognitoAuthError('CONFIG_INVALID', 'webhook secrets must be at least 16 characters');
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const toleranceSeconds = checkWebhookTolerance(options.toleranceSeconds);
  const now = options.now ?? Date.now;
  const { replica } = options;
  const onServerError = serverErrorListener(options.onServerError, logServerError);
  const poolId = options.userPoolId ?? replica.poolId;
  if (typeof poolId !== 'string' || !/^[\w-]+_[0-9A-Za-z]+$/.test(poolId)) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      'the events route needs a user pool id (replica poolId or the userPoolId option)',
    );
  }
  if (replica.poolId !== undefined && replica.poolId !== poolId)
    throw new CognitoAuthError('CONFIG_INVALID', 'userPoolId differs from the replica poolId');
  // An idempotence row matters only while a replay of its event could pass the timestamp check
  // (signed within the window of its receipt, replayed within the window of that timestamp):
  // older rows are deleted here, at most once per window, or the table grows with every sign-in.
  const windowMs = toleranceSeconds * 1000;
  let prunedAt = Number.NEGATIVE_INFINITY;
  async function pruneExpiredEvents(): Promise<void> {
    const t = now();
    if (t - prunedAt < windowMs) return;
    prunedAt = t;
    await replica.pruneWebhookEvents(t - 2 * windowMs - 60_000);
  }
  return Object.freeze({
    method: 'POST' as const,
    path: options.path ?? '/auth/cognito-events',
    async handle(request: Request): Promise<Response> {
      try {
        if (request.method !== 'POST')
          return json(405, { error: 'BAD_REQUEST', message: 'use POST' }, { allow: 'POST' });
        const body = await readCapped(request, maxBodyBytes);
        const verified = verifyWebhook(secrets, (name) => request.headers.get(name) ?? undefined, body, {
          now,
          toleranceSeconds,
        });
        let event: unknown;
        try {
          event = JSON.parse(body);
        } catch {
          throw invalid('body is not JSON');
        }
        const action = interpretEvent(event, poolId);
        if (action.kind === 'ignore') {
          if (channels.webhookEvent.hasSubscribers) channels.webhookEvent.publish({ outcome: 'ignored' });
          return json(200, { ok: true, ignored: true });
        }
        const hash = createHash('sha256').update(body).digest('hex');
        await pruneExpiredEvents();
        const claim = await replica.claimWebhookEvent(verified.eventId, hash, action.triggerSource);
        if (claim === 'duplicate') {
          if (channels.webhookEvent.hasSubscribers)
            channels.webhookEvent.publish({ outcome: 'duplicate', triggerSource: action.triggerSource });
          return json(200, { ok: true, duplicate: true });
        }
        if (claim === 'conflict')
          throw new CognitoAuthError('WEBHOOK_REPLAYED', 'event id was already used for another event');
        try {
          await apply(replica, action);
        } catch (error) {
          await replica.releaseWebhookEvent(verified.eventId).catch(() => {});
          throw error;
        }
        if (channels.webhookEvent.hasSubscribers)
          channels.webhookEvent.publish({ outcome: 'applied', triggerSource: action.triggerSource });
        return json(200, { ok: true, applied: action.triggerSource });
      } catch (error) {
        if (channels.webhookEvent.hasSubscribers)
          channels.webhookEvent.publish({ outcome: 'refused', code: codeOf(error) });
        // Like every 5xx answer, no message: it may name tables or rows (docs/errors.md).
        const response = !isCognitoAuthError(error)
          ? json(500, { error: 'STORE_FAILED', message: SERVER_ERROR_MESSAGE })
          : error.status >= 500
            ? json(error.status, { error: error.code, message: SERVER_ERROR_MESSAGE })
            : json(error.status, error.toJSON());
        reportServerError(onServerError, response.status, error, request.method, request.url);
        return response;
      }
    },
  });
}
