/**
 * Checks that need the Cognito API (`DescribeUserPoolClient`): the app client's callback and
 * sign-out URLs, OAuth flows and scopes, token revocation and secret, against the configuration.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PoolConfig } from '../config/pool.ts';
import type { CognitoApiClient, DoctorFinding } from './types.ts';

type Add = (finding: DoctorFinding) => void;

export interface AppClientContext {
  readonly pool: PoolConfig;
  readonly client: CognitoApiClient;
  /** `new DescribeUserPoolClientCommand(input)` of the SDK. */
  readonly describe: (input: { UserPoolId: string; ClientId: string }) => unknown;
  readonly callbackUrl: string | undefined;
  readonly logoutUri: string | undefined;
  readonly scopes: readonly string[];
  /** Whether the login routes are in use (COGNITO_DOMAIN set). */
  readonly browserLogin: boolean;
}

interface DescribedClient {
  ClientSecret?: string;
  CallbackURLs?: string[];
  LogoutURLs?: string[];
  AllowedOAuthFlows?: string[];
  AllowedOAuthScopes?: string[];
  AllowedOAuthFlowsUserPoolClient?: boolean;
  EnableTokenRevocation?: boolean;
  ExplicitAuthFlows?: string[];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function describe(
  ctx: AppClientContext,
  clientId: string,
  add: Add,
): Promise<DescribedClient | undefined> {
  try {
    const answer = await ctx.client.send(
      ctx.describe({ UserPoolId: ctx.pool.userPoolId, ClientId: clientId }),
    );
    return (answer?.UserPoolClient ?? {}) as DescribedClient;
  } catch (error) {
    const name = (error as { name?: string })?.name ?? 'Error';
    if (name === 'ResourceNotFoundException') {
      add({
        check: 'client.exists',
        status: 'mismatch',
        message: `app client ${clientId} does not exist in pool ${ctx.pool.userPoolId}`,
        fix: 'check COGNITO_CLIENT_ID (App integration → App clients) and COGNITO_USER_POOL_ID',
      });
    } else {
      add({
        check: 'client.api',
        status: 'unreachable',
        message: `DescribeUserPoolClient for ${clientId} failed: ${name}`,
        fix:
          name === 'AccessDeniedException'
            ? 'allow cognito-idp:DescribeUserPoolClient for these credentials, or run without them'
            : undefined,
      });
    }
    return undefined;
  }
}

function compareLoginClient(ctx: AppClientContext, c: DescribedClient, add: Add): void {
  const { pool } = ctx;
  const id = pool.clientId;
  const list = (values: string[] | undefined) => (values && values.length > 0 ? values.join(', ') : 'none');
  if (ctx.browserLogin && ctx.callbackUrl !== undefined) {
    const ok = (c.CallbackURLs ?? []).includes(ctx.callbackUrl);
    add({
      check: 'client.callback-urls',
      status: ok ? 'ok' : 'mismatch',
      message: ok
        ? `callback URL ${ctx.callbackUrl} is registered`
        : `callback URL ${ctx.callbackUrl} is not among app client ${id}'s callback URLs (${list(c.CallbackURLs)})`,
      fix: ok
        ? undefined
        : `add ${ctx.callbackUrl} to the allowed callback URLs, or set APP_URL to match one of them`,
    });
  }
  if (ctx.browserLogin && ctx.logoutUri !== undefined) {
    const ok = (c.LogoutURLs ?? []).includes(ctx.logoutUri);
    add({
      check: 'client.sign-out-urls',
      status: ok ? 'ok' : 'mismatch',
      message: ok
        ? `sign-out URL ${ctx.logoutUri} is registered`
        : `sign-out URL ${ctx.logoutUri} is not among app client ${id}'s sign-out URLs (${list(c.LogoutURLs)})`,
      fix: ok ? undefined : `add ${ctx.logoutUri} to the allowed sign-out URLs`,
    });
  }
  if (ctx.browserLogin) {
    const codeFlow =
      (c.AllowedOAuthFlows ?? []).includes('code') && c.AllowedOAuthFlowsUserPoolClient !== false;
    add({
      check: 'client.oauth-flows',
      status: codeFlow ? 'ok' : 'mismatch',
      message: codeFlow
        ? 'the authorization code grant is allowed'
        : `app client ${id} does not allow the authorization code grant (flows: ${list(c.AllowedOAuthFlows)})`,
      fix: codeFlow
        ? undefined
        : 'enable "Authorization code grant" in the app client\'s OAuth 2.0 grant types',
    });
    const missing = ctx.scopes.filter((s) => !(c.AllowedOAuthScopes ?? []).includes(s));
    add({
      check: 'client.oauth-scopes',
      status: missing.length === 0 ? 'ok' : 'mismatch',
      message:
        missing.length === 0
          ? `scopes ${ctx.scopes.join(' ')} are allowed`
          : `app client ${id} may not request ${missing.join(' ')} (allowed: ${list(c.AllowedOAuthScopes)})`,
      fix:
        missing.length === 0
          ? undefined
          : `allow ${missing.join(' ')} on the app client, or request fewer scopes`,
    });
  }
  if (c.ExplicitAuthFlows !== undefined && !c.ExplicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH')) {
    add({
      check: 'client.auth-flows',
      status: 'mismatch',
      message: `app client ${id} does not allow ALLOW_REFRESH_TOKEN_AUTH: sessions could not be refreshed`,
      fix: "add ALLOW_REFRESH_TOKEN_AUTH to the app client's authentication flows",
    });
  }
  const revocation = c.EnableTokenRevocation === true;
  add({
    check: 'client.token-revocation',
    // Only the logout route revokes: for an API-only app it is advice, not a mismatch.
    status: revocation ? 'ok' : ctx.browserLogin ? 'mismatch' : 'warning',
    message: revocation
      ? 'token revocation is on'
      : `token revocation is off for app client ${id}: logout could not revoke the refresh token`,
    fix: revocation ? undefined : 'turn on "Enable token revocation" for the app client',
  });
  const configured = pool.clientSecret;
  if (c.ClientSecret === undefined && configured !== undefined) {
    add({
      check: 'client.secret',
      status: 'mismatch',
      message: `app client ${id} has no secret, but COGNITO_CLIENT_SECRET is set`,
      fix: 'remove COGNITO_CLIENT_SECRET (clientSecret option): this is a public client',
    });
  } else if (c.ClientSecret !== undefined && configured === undefined) {
    add({
      check: 'client.secret',
      status: 'mismatch',
      message: `app client ${id} has a secret, but none is configured: the token endpoint would refuse the code`,
      fix: "set COGNITO_CLIENT_SECRET to the app client's secret",
    });
  } else if (
    c.ClientSecret !== undefined &&
    configured !== undefined &&
    !sameSecret(c.ClientSecret, configured)
  ) {
    add({
      check: 'client.secret',
      status: 'mismatch',
      message: `COGNITO_CLIENT_SECRET is not app client ${id}'s secret`,
      fix: "set COGNITO_CLIENT_SECRET to the app client's secret (App clients → Show client secret)",
    });
  } else {
    add({
      check: 'client.secret',
      status: 'ok',
      message: c.ClientSecret === undefined ? 'public client, no secret configured' : 'client secret matches',
    });
  }
}

/** Describes every configured client: the first (the login client) in full, the others for existence. */
export async function checkAppClients(ctx: AppClientContext, add: Add): Promise<void> {
  const [loginClient, ...others] = ctx.pool.clientIds;
  const described = await describe(ctx, loginClient!, add);
  if (described !== undefined) compareLoginClient(ctx, described, add);
  for (const id of others) {
    if ((await describe(ctx, id, add)) !== undefined)
      add({ check: 'client.exists', status: 'ok', message: `app client ${id} exists` });
  }
}
