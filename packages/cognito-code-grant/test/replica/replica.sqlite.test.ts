import { sqliteFactory } from './helpers.ts';
import { replicaSuite } from './replica.suite.ts';

replicaSuite('sqlite', sqliteFactory());
