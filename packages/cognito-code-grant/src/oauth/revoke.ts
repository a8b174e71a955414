/** Refresh-token revocation at `/oauth2/revoke` (build and process halves). */
import { CognitoAuthError } from '../errors/errors.ts';
import {
  type ClientAuth,
  type OAuthHttpRequest,
  basicAuthorization,
  oauthErrorCode,
  readCappedText,
} from './token.ts';

export interface RevokeInput {
  readonly revokeEndpoint: string;
  readonly client: ClientAuth;
  readonly refreshToken: string;
}

export function buildRevokeRequest(input: RevokeInput): OAuthHttpRequest {
  const body = new URLSearchParams({ token: input.refreshToken });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (input.client.clientSecret !== undefined) {
    headers['authorization'] = basicAuthorization(input.client.clientId, input.client.clientSecret);
  } else {
    body.set('client_id', input.client.clientId);
  }
  return { url: input.revokeEndpoint, method: 'POST', headers, body: body.toString() };
}

/** Cognito answers 200 for revoked and unknown tokens alike; anything else is an error. */
export async function processRevokeResponse(response: Response): Promise<void> {
  if (response.status === 200) {
    await response.body?.cancel();
    return;
  }
  let error: string | undefined;
  try {
    error = oauthErrorCode(JSON.parse(await readCappedText(response)));
  } catch {
    error = undefined;
  }
  throw new CognitoAuthError(
    'TOKEN_EXCHANGE_FAILED',
    `Cognito refused to revoke the refresh token` + (error ? `: ${error}` : ` (HTTP ${response.status})`),
    { details: { status: response.status, ...(error ? { error } : {}) } },
  );
}
