/** Hook dispatch of the replica, shared with the sync: after the commit, never inside it. */
import { channels } from '../observability/channels.ts';
import type { ReplicaEvents, ReplicaHooks, ReplicaSource, ReplicaUser } from './types.ts';

export function createReplicaEvents(
  hooks: ReplicaHooks,
  onHookError: ((error: unknown, hook: keyof ReplicaHooks) => void) | undefined,
): ReplicaEvents {
  async function fire<K extends keyof ReplicaHooks>(
    name: K,
    event: Parameters<NonNullable<ReplicaHooks[K]>>[0],
  ) {
    if (channels.replicaWrite.hasSubscribers) {
      const { user, source } = event as { user: ReplicaUser; source: ReplicaSource };
      channels.replicaWrite.publish({ operation: name, userPoolId: user.poolId, sub: user.sub, source });
    }
    const fn = hooks[name] as ((e: typeof event) => unknown) | undefined;
    if (!fn) return;
    try {
      await fn.call(hooks, event);
    } catch (error) {
      if (!onHookError) throw error;
      onHookError(error, name);
    }
  }
  return {
    userCreated: (user, source) => fire('userCreated', { user, source }),
    userUpdated: (user, previous, source) => fire('userUpdated', { user, previous, source }),
    groupsChanged: (user, added, removed, source) => fire('groupsChanged', { user, added, removed, source }),
    userDeleted: (user, source) => fire('userDeleted', { user, source }),
    // Subscribers of the replica:write channel need the events too.
    has: (name) => typeof hooks[name] === 'function' || channels.replicaWrite.hasSubscribers,
  };
}
