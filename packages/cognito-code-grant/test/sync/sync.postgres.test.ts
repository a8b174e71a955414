import { serverFactory } from '../replica/helpers.ts';
import { syncSuite } from './sync.suite.ts';

const url = process.env.TEST_POSTGRES_URL;
syncSuite('postgres', url ? serverFactory(url) : undefined, url ? undefined : 'TEST_POSTGRES_URL not set');
