/**
 * `--callback-url` / `--logout-url` (and the `callbackUrls` / `logoutUrls` options of `start()`):
 * your own app's URLs added to every app client with the code flow, so the demo pool (or any
 * seed) works for an app on another port without editing a seed file.
 */
import type { SeedFile } from './seed.ts';
import type { EmulatorState } from './state.ts';

export interface AppUrls {
  callbackUrls?: readonly string[] | undefined;
  logoutUrls?: readonly string[] | undefined;
}

/** Cognito's rules for a callback or sign-out URL: absolute, no fragment. */
export function checkAppUrl(url: string, flag: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${flag}: not an absolute URL: ${url}`);
  }
  if (parsed.hash) throw new TypeError(`${flag}: a URL with a fragment cannot be registered: ${url}`);
  return url;
}

function merge(list: string[] | undefined, extra: readonly string[] | undefined): string[] {
  return [...new Set([...(list ?? []), ...(extra ?? [])])];
}

/** A copy of the seed with the URLs added to each client that has the code flow. */
export function seedWithAppUrls(seed: SeedFile, urls: AppUrls): SeedFile {
  const copy = structuredClone(seed) as SeedFile;
  for (const pool of copy.pools) {
    for (const client of pool.clients ?? []) {
      if (!(client.allowedOAuthFlows ?? ['code']).includes('code')) continue;
      client.callbackUrls = merge(client.callbackUrls, urls.callbackUrls);
      client.logoutUrls = merge(client.logoutUrls, urls.logoutUrls);
    }
  }
  return copy;
}

/** The same on a loaded state (a state file's clients included). */
export function addAppUrls(state: EmulatorState, urls: AppUrls): void {
  for (const pool of state.pools.values()) {
    for (const client of pool.clients.values()) {
      if (!client.allowedOAuthFlows.includes('code')) continue;
      client.callbackUrls = merge(client.callbackUrls, urls.callbackUrls);
      client.logoutUrls = merge(client.logoutUrls, urls.logoutUrls);
    }
  }
}
