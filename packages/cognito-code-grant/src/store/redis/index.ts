/** `cognito-code-grant/redis`: the Redis session store (ioredis). */
export { createRedisSessionStore, type RedisLike, type RedisSessionStoreOptions } from './session-store.ts';
export type { SessionRecord, SessionStore, UnchangedRecord } from '../../session/store.ts';
