/** `cognito-code-grant/redis`: the Redis session store (ioredis). */
export {
  createRedisSessionStore,
  type RedisLike,
  type RedisSessionStore,
  type RedisSessionStoreOptions,
} from './session-store.ts';
export type { DeniedOrigin } from '../../session/store.ts';
export type { PushChannel, PushListener, PushSubscription } from '../../session/push.ts';
export type { SessionRecord, SessionStore, UnchangedRecord } from '../../session/store.ts';
