import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { runDenylistSuite, runPushSuite, runStoreModeSuite } from './push.suite.ts';

// One store object shared by two app instances: its channel is in-process.
const memory = {
  async openPair(now: () => number) {
    const store = createMemorySessionStore({ now });
    return { a: store, b: store, close: async () => {} };
  },
};
runPushSuite('memory', memory);
runDenylistSuite('memory', memory);
runStoreModeSuite('memory', memory);
