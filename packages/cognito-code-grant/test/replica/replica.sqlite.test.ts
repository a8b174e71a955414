import { sqlBackend } from './backends.ts';
import { sqliteFactory } from './helpers.ts';
import { replicaSuite } from './replica.suite.ts';

replicaSuite('sqlite', sqlBackend(sqliteFactory()));
