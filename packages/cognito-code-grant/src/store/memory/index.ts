export { createMemorySessionStore, type MemorySessionStoreOptions } from './session-store.ts';
export { createMemoryUserStore, type MemoryUserStore } from './user-store.ts';
