/** POST /oauth2/revoke: a refresh token and the tokens descended from it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { readBody } from '../http.ts';
import { authenticateClient, isForm, tokenError } from './token.ts';

// ---------------------------------------------------------------------------------------------
// POST /oauth2/revoke

export async function handleRevoke(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST') return tokenError(res, 'invalid_request', undefined, 405);
  if (!isForm(req)) return tokenError(res, 'invalid_request');
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  const token = form.get('token');
  if (!token) return tokenError(res, 'invalid_request');
  const auth = authenticateClient(ctx, req, form);
  if (!auth.ok) return tokenError(res, 'invalid_client', undefined, 401);
  if (!auth.client.enableTokenRevocation) return tokenError(res, 'invalid_request');
  if (token.split('.').length === 3) return tokenError(res, 'unsupported_token_type');
  const rec = ctx.state.refreshTokens.get(digest(token));
  if (rec && rec.clientId === auth.client.clientId && !rec.revoked) {
    rec.revoked = true;
    ctx.state.revokedOrigins.add(rec.originJti);
    ctx.state.version++;
  }
  res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': 0 });
  res.end();
}
