import { sqlBackend } from './backends.ts';
import { serverFactory } from './helpers.ts';
import { replicaSuite } from './replica.suite.ts';

const url = process.env.TEST_POSTGRES_URL;
replicaSuite(
  'postgres',
  url ? sqlBackend(serverFactory(url)) : undefined,
  url ? undefined : 'TEST_POSTGRES_URL not set',
);
