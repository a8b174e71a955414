/** Checking an access token this emulator minted, as Cognito's own endpoints do. */
import { createPublicKey, verify } from 'node:crypto';
import type { Context } from './context.ts';
import type { PoolState } from './state.ts';

/** Verifies an access token minted here (signature, expiry, revocation); returns its claims. */
export function checkAccessToken(
  ctx: Context,
  token: string,
): { pool: PoolState; claims: Record<string, any> } | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'Invalid token';
  let header: { kid?: string; alg?: string };
  let claims: Record<string, any>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return 'Invalid token';
  }
  const poolId =
    typeof claims['iss'] === 'string' ? claims['iss'].slice(claims['iss'].lastIndexOf('/') + 1) : '';
  const pool = ctx.state.pools.get(poolId);
  if (!pool || claims['iss'] !== ctx.issuer(pool)) return 'Invalid token';
  const key = pool.keys.find((k) => k.kid === header.kid && k.use === 'access');
  if (!key || header.alg !== 'RS256') return 'Invalid token';
  const ok = verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    createPublicKey(key.privateKey),
    Buffer.from(parts[2]!, 'base64url'),
  );
  if (!ok || claims['token_use'] !== 'access') return 'Invalid token';
  if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 <= ctx.now())
    return 'Access token has expired';
  if (claims['origin_jti'] && ctx.state.revokedOrigins.has(claims['origin_jti']))
    return 'Access token has been revoked';
  return { pool, claims };
}
