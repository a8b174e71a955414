/**
 * Request routing of the one server: the cognito-idp endpoint (`POST /`, admin and user APIs,
 * CORS preflight), the issuer's well-known documents, the domain's OAuth endpoints and hosted
 * pages, and the emulator-only `/_emulator/*` endpoints.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminOperation } from './admin.ts';
import { handleAwsJson, preflightAws } from './aws-json.ts';
import type { Context } from './context.ts';
import { handleCodes } from './emulator-endpoints.ts';
import { sendJson } from './http.ts';
import { handleAccountPage } from './oauth/account-pages.ts';
import {
  handleAuthorize,
  handleError,
  handleLoginGet,
  handleLoginPost,
  handleLogout,
  handleRevoke,
  handleToken,
  handleUserInfo,
} from './oauth.ts';
import { userOperation } from './user-api/index.ts';

const WELL_KNOWN = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;

export async function route(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/' && method === 'POST' && req.headers['x-amz-target']) {
    return handleAwsJson(
      req,
      res,
      (op) => userOperation(ctx, op) ?? adminOperation(ctx.state, ctx.faults, op),
      ctx.log,
    );
  }
  if (path === '/' && method === 'OPTIONS') return preflightAws(req, res);
  if (path === '/_emulator/codes' && method === 'GET') return handleCodes(ctx, url, res);
  const wk = WELL_KNOWN.exec(path);
  if (wk && (method === 'GET' || method === 'HEAD')) return wellKnown(ctx, wk[1]!, wk[2]!, res);

  switch (path) {
    case '/oauth2/authorize':
      if (method === 'GET') return handleAuthorize(ctx, url, req, res);
      break;
    case '/login':
      if (method === 'GET') return handleLoginGet(ctx, url, req, res);
      if (method === 'POST') return handleLoginPost(ctx, url, req, res);
      break;
    case '/signup':
    case '/confirmUser':
    case '/forgotPassword':
    case '/confirmForgotPassword':
      if (method === 'GET' || method === 'POST') {
        return handleAccountPage(ctx, path.slice(1) as 'signup', url, req, res);
      }
      break;
    case '/oauth2/token':
      if (method === 'OPTIONS') return preflight(res);
      return handleToken(ctx, req, res);
    case '/oauth2/revoke':
      if (method === 'OPTIONS') return preflight(res);
      return handleRevoke(ctx, req, res);
    case '/oauth2/userInfo':
      if (method === 'GET' || method === 'POST' || method === 'OPTIONS') return handleUserInfo(ctx, req, res);
      break;
    case '/logout':
      if (method === 'GET') return handleLogout(ctx, url, req, res);
      break;
    case '/error':
      return handleError(ctx, url, res);
    case '/':
      if (method === 'GET') {
        return sendJson(res, 200, {
          emulator: 'cognito-code-grant-emulator',
          pools: [...ctx.state.pools.keys()].map((id) => ({
            userPoolId: id,
            issuer: `${ctx.baseUrl()}/${id}`,
          })),
        });
      }
      break;
  }
  sendJson(res, 404, { error: 'not_found' });
}

function preflight(res: ServerResponse) {
  res.writeHead(204, {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
  });
  res.end();
}

function wellKnown(ctx: Context, poolId: string, doc: string, res: ServerResponse) {
  const pool = ctx.state.pools.get(poolId);
  if (!pool) return sendJson(res, 404, { message: `User pool ${poolId} does not exist.` });
  const headers = { 'access-control-allow-origin': '*', 'cache-control': 'max-age=0' };
  if (doc === 'jwks.json') {
    const fault = ctx.faults.jwks;
    if (fault === 'error') return sendJson(res, 500, { message: 'Internal server error' }, headers);
    if (fault === 'broken') {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', ...headers });
      return void res.end('{"keys":[{"alg":"RS256","e":"AQAB","kid":');
    }
    const keys = fault === 'empty' ? [] : pool.keys.map((k) => k.publicJwk);
    return sendJson(res, 200, { keys }, headers);
  }
  const issuer = ctx.issuer(pool);
  const domain = ctx.baseUrl();
  sendJson(
    res,
    200,
    {
      authorization_endpoint: `${domain}/oauth2/authorize`,
      id_token_signing_alg_values_supported: ['RS256'],
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['code', 'token'],
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      token_endpoint: `${domain}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      userinfo_endpoint: `${domain}/oauth2/userInfo`,
    },
    headers,
  );
}
