/**
 * The single-page app's settings (`examples/articles-spa`), beside the app's own (`env.ts`):
 * - demo mode: always served, on `SPA_PORT` (default 3001), with the emulator's public client;
 * - real pool: served when `SPA_CLIENT_ID` names a public app client (no secret) that is also in
 *   `COGNITO_CLIENT_ID` (so the API accepts its tokens); `SPA_URL` is its public URL.
 * `CORS_ORIGINS` (comma-separated) adds origins allowed to call `/api/*` from a browser; the
 * SPA's own origin is always allowed when it is served.
 */
export interface SpaSettings {
  readonly port: number;
  /** The SPA's public URL (its origin is allowed by CORS). */
  readonly url: string;
  /** The app client the SPA signs in with; undefined in demo mode (the emulator's public client). */
  readonly clientId: string | undefined;
}

export interface CorsAndSpaSettings {
  /** Undefined when the SPA is not served. */
  readonly spa: SpaSettings | undefined;
  /** Every origin allowed to call the API from a page (the SPA's included). */
  readonly corsOrigins: readonly string[];
}

function origin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be http(s)`);
  return url.origin;
}

function spaPort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 3001;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('SPA_PORT must be a port number');
  return n;
}

/**
 * Reads `SPA_PORT`, `SPA_URL`, `SPA_CLIENT_ID` and `CORS_ORIGINS`. `apiClientIds` are the
 * client ids the API accepts (real mode), `host` the interface the demo listens on.
 */
export function readSpaSettings(
  env: Record<string, string | undefined>,
  mode: { mode: 'demo'; host: string } | { mode: 'real'; apiClientIds: readonly string[] },
): CorsAndSpaSettings {
  const extra = (env['CORS_ORIGINS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => origin('CORS_ORIGINS', s));
  const port = spaPort(env['SPA_PORT']);
  const clientId = env['SPA_CLIENT_ID']?.trim() || undefined;
  let spa: SpaSettings | undefined;
  if (mode.mode === 'demo') {
    const url = env['SPA_URL']?.trim() || `http://${mode.host}:${port}`;
    spa = { port, url: origin('SPA_URL', url), clientId: undefined };
  } else if (clientId !== undefined) {
    if (!mode.apiClientIds.includes(clientId)) {
      throw new Error('SPA_CLIENT_ID must also be listed in COGNITO_CLIENT_ID (the API accepts its tokens)');
    }
    const url = env['SPA_URL']?.trim();
    if (!url) throw new Error('SPA_URL is not set (the public URL of the single-page app)');
    spa = { port, url: origin('SPA_URL', url), clientId };
  }
  const corsOrigins = [...new Set([...(spa ? [spa.url] : []), ...extra])];
  return { spa, corsOrigins };
}
