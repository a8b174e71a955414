/** `createReplica` over SQL: the replica's policy (src/replica) on the Kysely UserStore. */
import type { Kysely } from 'kysely';
import { createUserReplica, type UserReplicaOptions } from '../../replica/replica.ts';
import type { Replica } from '../../replica/types.ts';
import { createKyselyUserStore } from './user-store.ts';

export interface ReplicaOptions extends UserReplicaOptions {
  /** A migrated database (see `migrate`). */
  readonly db: Kysely<any>;
  /** Default `cognito_`. */
  readonly tablePrefix?: string;
}

/** The replica on a SQL database; `db` and `tablePrefix` are what the sync and the CLI reuse. */
export interface KyselyReplica extends Replica {
  readonly db: Kysely<any>;
  readonly tablePrefix: string;
}

/** Creates the replica over a migrated database (see `migrate`). */
export function createReplica(options: ReplicaOptions): KyselyReplica {
  const tablePrefix = options.tablePrefix ?? 'cognito_';
  const store = createKyselyUserStore(options.db, tablePrefix);
  return Object.freeze({ ...createUserReplica(store, options), db: options.db, tablePrefix });
}
