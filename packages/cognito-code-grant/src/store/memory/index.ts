export { createMemorySessionStore, type MemorySessionStoreOptions } from './session-store.ts';
