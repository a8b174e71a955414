/**
 * `cognito-code-grant/kysely`: the SQL replica, the SQL session store and migrations (SQLite,
 * PostgreSQL, MySQL/MariaDB).
 */
export {
  createDatabase,
  type CreateDatabaseOptions,
  dialectOf,
  parseDatabaseUrl,
  type SqlDialect,
} from './database.ts';
export { getMigrations, migrate, type MigrateOptions, type MigrateResult } from './migrations/index.ts';
export { replicaTables, type ReplicaTables } from './tables.ts';
export {
  createSqlSessionStore,
  type SqlSessionStore,
  type SqlSessionStoreOptions,
} from './session-store.ts';
export type { PgListenClient, PgListenOptions } from './pg-channel.ts';
export { createReplica, type KyselyReplica, type ReplicaOptions } from './replica.ts';
export { createKyselyUserStore, type KyselyUserStore } from './user-store.ts';
export type {
  ApplyResult,
  GroupsChangedEvent,
  Replica,
  ReplicaGroup,
  ReplicaHooks,
  ReplicaSource,
  ReplicaUser,
  UserEvent,
  UserState,
  UserStatus,
  UserUpdatedEvent,
} from '../../replica/types.ts';
export type {
  StoredUser,
  UpdateOutcome,
  UserFields,
  UserStore,
  UserUpdate,
} from '../../replica/user-store.ts';
