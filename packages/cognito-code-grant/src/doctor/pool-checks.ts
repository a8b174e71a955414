/**
 * Checks that need no AWS credentials: the pool's discovery document and JWKS against the
 * configured issuer and key URL, and the domain's authorize and logout endpoints, asked whether
 * they accept this app client with our callback and sign-out URLs (they answer that in the
 * redirect, as Cognito's managed login does).
 */
import type { PoolConfig } from '../config/pool.ts';
import { isPreparedKey, prepareJwk } from '../jwks/key.ts';
import { jsonObject, probe } from './probe.ts';
import type { DoctorFinding } from './types.ts';

export interface PoolCheckContext {
  readonly pool: PoolConfig;
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutMs: number;
  readonly callbackUrl: string | undefined;
  readonly logoutUri: string | undefined;
  readonly scopes: readonly string[];
}

type Add = (finding: DoctorFinding) => void;

const POOL_FIX =
  'check COGNITO_USER_POOL_ID and COGNITO_REGION (and COGNITO_ISSUER when set): the issuer of a pool is https://cognito-idp.<region>.amazonaws.com/<pool id>';

/** Fetches the discovery document; returns it when it could be read. */
async function discovery(ctx: PoolCheckContext, add: Add): Promise<Record<string, unknown> | undefined> {
  const url = `${ctx.pool.issuer}/.well-known/openid-configuration`;
  const answer = await probe(url, ctx.fetch, ctx.timeoutMs);
  if (!answer.ok) {
    add({ check: 'discovery', status: 'unreachable', message: `${url}: ${answer.reason}` });
    return undefined;
  }
  const doc = answer.status === 200 ? jsonObject(answer.text) : undefined;
  if (doc === undefined) {
    const definite = answer.status === 400 || answer.status === 404;
    add({
      check: 'discovery',
      status: definite ? 'mismatch' : 'unreachable',
      message: `no user pool answers at ${url} (HTTP ${answer.status})`,
      fix: definite ? POOL_FIX : undefined,
    });
    return undefined;
  }
  add({ check: 'discovery', status: 'ok', message: `discovery document read from ${url}` });
  return doc;
}

function compareUrls(doc: Record<string, unknown>, ctx: PoolCheckContext, add: Add): void {
  const { pool } = ctx;
  if (doc['issuer'] !== pool.issuer) {
    add({
      check: 'discovery.issuer',
      status: 'mismatch',
      message: `the pool's issuer is ${String(doc['issuer'])} but the configuration expects ${pool.issuer}: every token would be refused (TOKEN_ISSUER_INVALID)`,
      fix:
        typeof doc['issuer'] === 'string'
          ? `set COGNITO_ISSUER=${doc['issuer']} (issuer option), or remove it to use the default`
          : POOL_FIX,
    });
  } else add({ check: 'discovery.issuer', status: 'ok', message: `issuer ${pool.issuer}` });
  if (doc['jwks_uri'] !== pool.jwksUri) {
    add({
      check: 'discovery.jwks_uri',
      status: 'mismatch',
      message: `the pool publishes its keys at ${String(doc['jwks_uri'])} but the configuration reads ${pool.jwksUri}`,
      fix: "remove COGNITO_JWKS_URI (jwksUri option) to use the pool's, or set it to the URL above",
    });
  } else add({ check: 'discovery.jwks_uri', status: 'ok', message: `keys at ${pool.jwksUri}` });
  if (pool.endpoints === undefined) {
    add({
      check: 'discovery.domain',
      status: 'skipped',
      message: 'COGNITO_DOMAIN is not set: browser login (authorization-code grant) is off',
    });
    return;
  }
  const published = typeof doc['token_endpoint'] === 'string' ? doc['token_endpoint'] : undefined;
  if (published !== undefined && published !== pool.endpoints.token) {
    add({
      check: 'discovery.domain',
      status: 'warning',
      message: `the pool's token endpoint is ${published}; the configuration uses ${pool.endpoints.token}`,
      fix: "fine for a custom domain of this pool; otherwise set COGNITO_DOMAIN to the pool's domain",
    });
  } else add({ check: 'discovery.domain', status: 'ok', message: `domain ${pool.domain}` });
}

function kidsOf(text: string): string[] | undefined {
  const keys = jsonObject(text)?.['keys'];
  if (!Array.isArray(keys)) return undefined;
  // The keys the verifier can use (RS256 signing keys): a set of others is refused as a whole.
  return keys
    .map((k) => prepareJwk(k))
    .filter(isPreparedKey)
    .map((k) => k.kid);
}

async function keys(
  doc: Record<string, unknown> | undefined,
  ctx: PoolCheckContext,
  add: Add,
): Promise<void> {
  const { pool } = ctx;
  const answer = await probe(pool.jwksUri, ctx.fetch, ctx.timeoutMs);
  if (!answer.ok) {
    add({ check: 'jwks', status: 'unreachable', message: `${pool.jwksUri}: ${answer.reason}` });
    return;
  }
  const kids = answer.status === 200 ? kidsOf(answer.text) : undefined;
  if (kids === undefined || kids.length === 0) {
    add({
      check: 'jwks',
      status: 'mismatch',
      message: `no RSA signing keys at ${pool.jwksUri} (HTTP ${answer.status})`,
      fix: pool.jwksUri.endsWith('/.well-known/jwks.json')
        ? POOL_FIX
        : 'remove COGNITO_JWKS_URI (jwksUri option)',
    });
    return;
  }
  add({ check: 'jwks', status: 'ok', message: `${kids.length} signing keys (${kids.join(', ')})` });
  const published = doc?.['jwks_uri'];
  if (typeof published !== 'string' || published === pool.jwksUri) return;
  const theirs = await probe(published, ctx.fetch, ctx.timeoutMs);
  const poolKids = theirs.ok && theirs.status === 200 ? kidsOf(theirs.text) : undefined;
  if (poolKids !== undefined && !poolKids.some((kid) => kids.includes(kid))) {
    add({
      check: 'jwks.keys',
      status: 'mismatch',
      message: `the keys at ${pool.jwksUri} are not the pool's (${poolKids.join(', ')}): its tokens would be refused`,
      fix: 'remove COGNITO_JWKS_URI (jwksUri option)',
    });
  }
}

/** The `error` of a managed-login redirect to its `/error` page or to the callback, if any. */
function redirectError(location: string | null): { error: string; onErrorPage: boolean } | undefined {
  if (location === null) return undefined;
  let url: URL;
  try {
    url = new URL(location, 'http://relative.invalid');
  } catch {
    return undefined;
  }
  const error = url.searchParams.get('error');
  return error === null ? undefined : { error, onErrorPage: url.pathname.endsWith('/error') };
}

async function authorize(ctx: PoolCheckContext, add: Add): Promise<void> {
  const { pool, callbackUrl } = ctx;
  if (pool.endpoints === undefined) return;
  if (callbackUrl === undefined) {
    add({
      check: 'domain.authorize',
      status: 'skipped',
      message: 'APP_URL is not set: callback URL not checked',
    });
    return;
  }
  const url = new URL(pool.endpoints.authorize);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: pool.clientId,
    redirect_uri: callbackUrl,
    scope: ctx.scopes.join(' '),
    state: 'configuration-check',
    code_challenge: 'configuration-check-configuration-check-0123',
    code_challenge_method: 'S256',
  }).toString();
  const answer = await probe(url.href, ctx.fetch, ctx.timeoutMs);
  if (!answer.ok) {
    add({
      check: 'domain.authorize',
      status: 'unreachable',
      message: `${pool.endpoints.authorize}: ${answer.reason}`,
      fix: 'check COGNITO_DOMAIN: the managed login domain of the pool (App integration → Domain)',
    });
    return;
  }
  const refused = redirectError(answer.location);
  if (answer.status === 404 || answer.status >= 500) {
    add({
      check: 'domain.authorize',
      status: answer.status === 404 ? 'mismatch' : 'unreachable',
      message: `${pool.endpoints.authorize} answered HTTP ${answer.status}`,
      fix: 'check COGNITO_DOMAIN: the managed login domain of the pool (App integration → Domain)',
    });
  } else if (refused?.error === 'redirect_mismatch') {
    add({
      check: 'client.callback-url',
      status: 'mismatch',
      message: `the callback URL ${callbackUrl} is not registered for app client ${pool.clientId}`,
      fix: `add ${callbackUrl} to the app client's allowed callback URLs (or set APP_URL to the URL registered there)`,
    });
  } else if (refused?.onErrorPage) {
    add({
      check: 'client.exists',
      status: 'mismatch',
      message: `the domain ${pool.domain} does not accept app client ${pool.clientId} (${refused.error})`,
      fix: "check COGNITO_CLIENT_ID (an app client of this pool) and COGNITO_DOMAIN (this pool's domain)",
    });
  } else if (refused?.error === 'invalid_scope') {
    add({
      check: 'client.scopes',
      status: 'mismatch',
      message: `app client ${pool.clientId} may not request the scopes ${ctx.scopes.join(' ')}`,
      fix: 'allow these OpenID Connect scopes on the app client, or pass fewer `scopes` to createCognitoLogin',
    });
  } else if (refused?.error === 'unauthorized_client') {
    add({
      check: 'client.flows',
      status: 'mismatch',
      message: `app client ${pool.clientId} does not allow the authorization code grant`,
      fix: 'enable "Authorization code grant" in the app client\'s OAuth 2.0 grant types',
    });
  } else if (refused !== undefined || answer.status >= 400) {
    // Not an answer we know: say what it was rather than call it accepted.
    add({
      check: 'domain.authorize',
      status: 'warning',
      message: `the authorize endpoint refused the sign-in request: ${refused?.error ?? `HTTP ${answer.status}`}`,
      fix: 'check COGNITO_CLIENT_ID, COGNITO_DOMAIN and the callback URLs of the app client',
    });
  } else {
    add({
      check: 'client.callback-url',
      status: 'ok',
      message: `the domain accepts sign-ins of app client ${pool.clientId} back to ${callbackUrl}`,
    });
  }
}

async function logout(ctx: PoolCheckContext, add: Add): Promise<void> {
  const { pool, logoutUri } = ctx;
  if (pool.endpoints === undefined || logoutUri === undefined) return;
  const url = new URL(pool.endpoints.logout);
  url.search = new URLSearchParams({ client_id: pool.clientId, logout_uri: logoutUri }).toString();
  const answer = await probe(url.href, ctx.fetch, ctx.timeoutMs);
  if (!answer.ok) {
    add({
      check: 'domain.logout',
      status: 'unreachable',
      message: `${pool.endpoints.logout}: ${answer.reason}`,
    });
    return;
  }
  const refused = redirectError(answer.location);
  if (refused?.error === 'redirect_mismatch') {
    add({
      check: 'client.sign-out-url',
      status: 'mismatch',
      message: `the sign-out URL ${logoutUri} is not registered for app client ${pool.clientId}`,
      fix: `add ${logoutUri} to the app client's allowed sign-out URLs (or set the login's logoutUri to one registered there)`,
    });
  } else if (refused !== undefined || answer.status >= 400) {
    add({
      check: 'domain.logout',
      status: 'warning',
      message: `the logout endpoint answered ${refused?.error ?? `HTTP ${answer.status}`}`,
    });
  } else {
    add({ check: 'client.sign-out-url', status: 'ok', message: `sign-out back to ${logoutUri} is accepted` });
  }
}

/** Every check that needs no AWS credentials, in order. */
export async function checkPool(ctx: PoolCheckContext, add: Add): Promise<void> {
  const doc = await discovery(ctx, add);
  if (doc !== undefined) compareUrls(doc, ctx, add);
  await keys(doc, ctx, add);
  await authorize(ctx, add);
  await logout(ctx, add);
}
