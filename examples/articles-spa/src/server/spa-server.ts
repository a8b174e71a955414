/**
 * Serves a build of the single-page app and its runtime configuration, `GET /config.json`, made
 * from the server's environment (so the same build works against the emulator and a real pool).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import type { SpaConfig } from '../app/config.ts';

export type { SpaConfig };

export interface SpaServerOptions {
  /** A Vite build of this app (see `buildSpa`). */
  readonly dir: string;
  readonly config: SpaConfig;
}

/** Where Amplify sends its cognito-idp calls: the override, or AWS's regional endpoint. */
function cognitoEndpoint(config: SpaConfig): string {
  if (config.userPoolEndpoint) return new URL(config.userPoolEndpoint).origin;
  const region = config.userPoolId.split('_')[0];
  return `https://cognito-idp.${region}.amazonaws.com`;
}

/**
 * The page's Content-Security-Policy: its own scripts only, and network calls to the API and
 * Cognito only. Amplify UI's styles come from the built CSS file.
 */
export function spaContentSecurityPolicy(config: SpaConfig): string {
  const connect = ["'self'", new URL(config.apiUrl).origin, cognitoEndpoint(config)];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function createSpaServer(options: SpaServerOptions): Express {
  const index = join(options.dir, 'index.html');
  if (!existsSync(index)) {
    throw new Error(
      `no build of the single-page app in ${options.dir} (run npm run build -w articles-spa-example)`,
    );
  }
  const config = Object.freeze({ ...options.config });
  const csp = spaContentSecurityPolicy(config);
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    next();
  });
  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json(config);
  });
  // Vite names the assets by content hash: they never change under the same name.
  app.use(
    '/assets',
    express.static(join(options.dir, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  app.use(express.static(options.dir, { index: false }));
  // Any other GET is the app's page (client-side routes).
  app.get(/.*/, (_req, res) => {
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return app;
}
