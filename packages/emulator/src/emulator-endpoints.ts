/**
 * Endpoints only the emulator has (under `/_emulator/`, a path Cognito never serves): the codes
 * Cognito would have e-mailed or texted, for developers and tests.
 *
 *   GET /_emulator/codes?username=jane[&poolId=us-east-1_Demo0001]
 *   -> {"codes":[{"poolId","username","purpose","code","attributeName","destination","expiresAt"}]}
 *
 * `purpose` is `signup`, `forgot_password`, `verify_email` or `verify_phone_number`; only live
 * (unused, unexpired) codes are listed, oldest first; `expiresAt` is in epoch seconds.
 */
import type { ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import { sendJson } from './http.ts';

export function handleCodes(ctx: Context, url: URL, res: ServerResponse): void {
  const username = url.searchParams.get('username') ?? undefined;
  const poolId = url.searchParams.get('poolId') ?? undefined;
  const codes = ctx.codes.list({ username, poolId }).map((c) => ({
    poolId: c.poolId,
    username: c.username,
    purpose: c.purpose,
    code: c.code,
    attributeName: c.attributeName,
    destination: c.destination,
    expiresAt: Math.floor(c.expiresAt / 1000),
  }));
  sendJson(res, 200, { codes }, { 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
}
