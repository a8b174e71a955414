/** GET|POST /oauth2/userInfo: the attributes an `openid` access token releases. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAccessToken } from '../access-token.ts';
import type { Context } from '../context.ts';
import { sendJson } from '../http.ts';
import { releasedAttributes } from '../tokens.ts';

// ---------------------------------------------------------------------------------------------
// GET|POST /oauth2/userInfo

function bearerError(res: ServerResponse, status: number, error: string, description: string) {
  sendJson(
    res,
    status,
    { error, error_description: description },
    {
      // As Cognito writes it: no `Bearer` scheme before the parameters.
      'www-authenticate': `error="${error}", error_description="${description}"`,
      'access-control-allow-origin': '*',
    },
  );
}

export function handleUserInfo(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization',
      'access-control-allow-methods': 'GET, POST',
    });
    return void res.end();
  }
  const header = req.headers.authorization ?? '';
  if (!/^Bearer\s+\S+$/i.test(header))
    return bearerError(res, 400, 'invalid_request', 'Missing access token');
  const checked = checkAccessToken(ctx, header.replace(/^Bearer\s+/i, ''));
  if (typeof checked === 'string') return bearerError(res, 401, 'invalid_token', checked);
  const { pool, claims } = checked;
  const scopes = String(claims['scope'] ?? '').split(' ');
  if (!scopes.includes('openid'))
    return bearerError(res, 401, 'invalid_token', 'Access token does not contain openid scope');
  const user = pool.bySub.get(String(claims['sub']));
  if (!user) return bearerError(res, 401, 'invalid_token', 'User does not exist.');
  if (!user.enabled) return bearerError(res, 401, 'invalid_token', 'User is disabled.');
  const body: Record<string, string> = { sub: user.sub };
  for (const [n, v] of releasedAttributes(user, scopes)) body[n] = v;
  body['username'] = user.username;
  sendJson(res, 200, body, { 'access-control-allow-origin': '*' });
}
