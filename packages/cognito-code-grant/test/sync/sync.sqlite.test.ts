import { sqliteFactory } from '../replica/helpers.ts';
import { syncSuite } from './sync.suite.ts';

syncSuite('sqlite', sqliteFactory());
