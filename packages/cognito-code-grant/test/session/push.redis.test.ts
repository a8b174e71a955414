import { redisPair } from './push.pairs.ts';
import { runDenylistSuite, runPushSuite, runStoreModeSuite } from './push.suite.ts';

const url = process.env['TEST_REDIS_URL'];
const skip = url ? undefined : 'TEST_REDIS_URL not set';
runPushSuite('redis', redisPair(url ?? ''), skip);
runDenylistSuite('redis', redisPair(url ?? ''), skip);
runStoreModeSuite('redis', redisPair(url ?? ''), skip);
