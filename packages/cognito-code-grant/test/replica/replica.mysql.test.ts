import { sqlBackend } from './backends.ts';
import { serverFactory } from './helpers.ts';
import { replicaSuite } from './replica.suite.ts';

const url = process.env.TEST_MYSQL_URL;
replicaSuite(
  'mysql',
  url ? sqlBackend(serverFactory(url)) : undefined,
  url ? undefined : 'TEST_MYSQL_URL not set',
);
