/** Server side of the single-page app: build it, and serve it with its runtime config. */
export { buildSpa, DEFAULT_SPA_DIR, ensureSpaBuilt, isSpaBuildCurrent, SPA_ROOT } from './build.ts';
export {
  createSpaServer,
  type SpaConfig,
  type SpaServerOptions,
  spaContentSecurityPolicy,
} from './spa-server.ts';
