import { serverFactory } from '../replica/helpers.ts';
import { syncSuite } from './sync.suite.ts';

const url = process.env.TEST_MYSQL_URL;
syncSuite('mysql', url ? serverFactory(url) : undefined, url ? undefined : 'TEST_MYSQL_URL not set');
