/**
 * On a Cluster the channel is a plain subscriber connection to one node: a classic PUBLISH is
 * broadcast to every node, whichever node served the write (the test cluster has one node).
 */
import { redisClusterPair } from './push.pairs.ts';
import { runDenylistSuite, runPushSuite, runStoreModeSuite } from './push.suite.ts';

const url = process.env['TEST_REDIS_CLUSTER_URL'];
const skip = url ? undefined : 'TEST_REDIS_CLUSTER_URL not set';
runPushSuite('redis cluster', redisClusterPair(url ?? ''), skip);
runDenylistSuite('redis cluster', redisClusterPair(url ?? ''), skip);
runStoreModeSuite('redis cluster', redisClusterPair(url ?? ''), skip);
