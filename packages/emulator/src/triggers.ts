/**
 * Trigger delivery: state events become Cognito Lambda trigger events (common envelope of
 * cognito-facts.md §4) POSTed to a webhook, signed like the project's Lambda forwarder. Delivery
 * is in order, off the user's request path, with up to `retries` attempts per event (Cognito
 * gives up after 3) and the same event id on every attempt.
 */
import { randomUUID } from 'node:crypto';
import { signWebhook } from 'cognito-code-grant';
import type { EmulatorState, StateEvent, User } from './state.ts';

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Attempts per event, default 3. */
  retries?: number;
  /** Pause before attempt n+1 is n * backoffMs; default 100. */
  backoffMs?: number;
  /** Per-attempt timeout (Cognito allows a Lambda 5 s). */
  timeoutMs?: number;
  /**
   * Clock for the signature timestamp; default `Date.now`, NOT the emulator's `now` option, so a
   * test that fast-forwards the emulator does not make its events look stale to a real-clock app.
   */
  now?: () => number;
}

/** A delivered (or given-up) trigger, kept for tests. */
export interface TriggerRecord {
  eventId: string;
  triggerSource: string;
  event: Record<string, unknown>;
  attempts: number;
  delivered: boolean;
}

export interface TriggerEvent {
  version: string;
  triggerSource: string;
  region: string;
  userPoolId: string;
  userName: string | null;
  callerContext: { awsSdkVersion: string; clientId: string | null };
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

/** Attributes as triggers carry them: strings, plus `cognito:user_status`. */
export function triggerAttributes(user: User): Record<string, string> {
  return { ...user.attributes, 'cognito:user_status': user.status };
}

export function buildTriggerEvent(state: EmulatorState, e: StateEvent): TriggerEvent {
  const request: Record<string, unknown> = {};
  if (e.user) request['userAttributes'] = triggerAttributes(e.user);
  Object.assign(request, e.request);
  if (e.triggerSource.startsWith('Emulator_') && e.user) {
    // Custom (emulator-only) events carry what a replica needs beyond the attributes.
    Object.assign(request, {
      enabled: e.user.enabled,
      userStatus: e.user.status,
      groups: state.groupsOf(e.pool, e.user),
      userCreateDate: Math.floor(e.user.createdAt / 1000),
      userLastModifiedDate: Math.floor(e.user.updatedAt / 1000),
    });
  }
  const response: Record<string, unknown> = {};
  if (e.triggerSource.startsWith('TokenGeneration_')) response['claimsOverrideDetails'] = null;
  return {
    version: '1',
    triggerSource: e.triggerSource,
    region: e.pool.region,
    userPoolId: e.pool.userPoolId,
    userName: e.userName ?? null,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: e.clientId ?? null },
    request,
    response,
  };
}

export class TriggerDispatcher {
  /** Every event produced, delivered or not (tests read it). */
  readonly history: TriggerRecord[] = [];
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly state: () => EmulatorState,
    private webhook: WebhookOptions | undefined,
    private readonly log: (line: string) => void,
  ) {}

  setWebhook(webhook: WebhookOptions | undefined): void {
    this.webhook = webhook;
  }

  enqueue(e: StateEvent): void {
    const event = buildTriggerEvent(this.state(), e) as unknown as Record<string, unknown>;
    const record: TriggerRecord = {
      eventId: randomUUID(),
      triggerSource: e.triggerSource,
      event,
      attempts: 0,
      delivered: false,
    };
    this.history.push(record);
    if (this.history.length > 10_000) this.history.splice(0, this.history.length - 10_000);
    const webhook = this.webhook;
    if (!webhook) return;
    this.pending++;
    this.chain = this.chain
      .then(() => this.deliver(webhook, record))
      .catch(() => {})
      .finally(() => {
        this.pending--;
      });
  }

  private async deliver(webhook: WebhookOptions, record: TriggerRecord): Promise<void> {
    const body = JSON.stringify(record.event);
    const max = Math.max(1, webhook.retries ?? 3);
    for (let attempt = 1; attempt <= max; attempt++) {
      record.attempts = attempt;
      try {
        const headers = signWebhook(webhook.secret, body, {
          eventId: record.eventId,
          now: webhook.now ?? Date.now,
        });
        const res = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          signal: AbortSignal.timeout(webhook.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.status < 500) {
          record.delivered = res.ok;
          if (!res.ok)
            this.log(`trigger ${record.triggerSource} ${record.eventId} refused: HTTP ${res.status}`);
          return;
        }
        this.log(`trigger ${record.triggerSource} ${record.eventId} attempt ${attempt}: HTTP ${res.status}`);
      } catch (err) {
        this.log(
          `trigger ${record.triggerSource} ${record.eventId} attempt ${attempt}: ${(err as Error).name}`,
        );
      }
      if (attempt < max) await new Promise((r) => setTimeout(r, attempt * (webhook.backoffMs ?? 100)));
    }
    this.log(`trigger ${record.triggerSource} ${record.eventId} given up after ${max} attempts`);
  }

  /** Resolves once every event queued so far has been delivered or given up. */
  async flush(): Promise<void> {
    while (this.pending > 0) await this.chain;
  }
}
