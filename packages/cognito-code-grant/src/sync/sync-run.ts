/** What the passes of one sync run share: the store, the run's identity, its counters. */
import type { ReplicaEvents } from '../replica/types.ts';
import type { SyncStore } from './sync-store.ts';

export interface SyncRun {
  readonly store: SyncStore;
  readonly poolId: string;
  /** Ordered by the run's start (run-id.ts). */
  readonly runId: string;
  /** The run's start, epoch ms by `now`. */
  readonly startedAt: number;
  readonly dryRun: boolean;
  readonly events: ReplicaEvents | undefined;
  readonly now: () => number;
  /** One admin API call, retried on throttling; failures are SYNC_FAILED. */
  call<T>(command: unknown): Promise<T>;
  readonly sdk: typeof import('@aws-sdk/client-cognito-identity-provider');
  readonly groupConcurrency: number;
  progress(phase: 'users' | 'groups' | 'memberships' | 'sweep' | 'done'): void;
  /** Dry run only: the subs the listing saw. */
  readonly seenSubs: Set<string> | undefined;
  /** Dry run only: placeholder ids (negative) of the users the real run would create. */
  readonly plannedIds: Map<string, number> | undefined;
  /** Dry run only: ids of the users the real sweep would delete. */
  readonly sweptIds: Set<number> | undefined;
}

export interface SyncCounts {
  usersSeen: number;
  created: number;
  updated: number;
  disabled: number;
  enabled: number;
  deleted: number;
  groupsCreated: number;
  groupsDeleted: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  unchanged: number;
  retries: number;
}
