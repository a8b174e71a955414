/**
 * The token endpoint (`/oauth2/token`), split into "build the request" and "process the response"
 * so each half is unit-testable without a server. Bodies are form-urlencoded; confidential
 * clients authenticate with HTTP Basic (`client_secret_post` when the id or secret holds a `+`),
 * public clients send `client_id` in the body.
 */
import { CognitoAuthError, type CognitoAuthErrorCode } from '../errors/errors.ts';
import { declaredLength, readStreamCapped } from '../util/read-capped.ts';

/** A request to a Cognito OAuth endpoint, ready to hand to `fetch`. */
export interface OAuthHttpRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ClientAuth {
  readonly clientId: string;
  /** Present for confidential clients. */
  readonly clientSecret?: string | undefined;
}

/** What the token endpoint returned, validated. */
export interface TokenSet {
  readonly accessToken: string;
  /** Present on the code grant with `openid`; on refresh when Cognito sends one. */
  readonly idToken: string | undefined;
  /** Absent on a refresh without rotation: keep the old one. */
  readonly refreshToken: string | undefined;
  /** Access-token lifetime in seconds, as sent. */
  readonly expiresIn: number;
  /** The granted scopes, space separated; only when the response carries `scope`. */
  readonly scope?: string;
}

/**
 * The `Authorization: Basic` value for a confidential client. Cognito documents
 * `Base64Encode(client_id:client_secret)` over the raw values; RFC 6749 section 2.3.1 adds
 * form-urlencoding first. Generated Cognito ids and secrets are alphanumeric, where both agree, so
 * the raw form is sent (libraries that url-encoded `+` got `invalid_client` from Cognito); a
 * custom secret with `+` goes in the body instead (`needsSecretInBody`).
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`;
}

/**
 * True when the client must send its secret in the body (`client_secret_post`): `+` is the one
 * character of a Cognito client id or custom secret where raw Basic (what Cognito documents) and
 * RFC 6749's form-encoded Basic differ, so either reading of the header could be the wrong one.
 * The form body has a single reading. Cognito's token endpoint accepts both methods.
 */
export function needsSecretInBody(client: ClientAuth): boolean {
  return (
    client.clientSecret !== undefined && (client.clientId.includes('+') || client.clientSecret.includes('+'))
  );
}

function formRequest(url: string, client: ClientAuth, params: Record<string, string>): OAuthHttpRequest {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.clientSecret !== undefined && !needsSecretInBody(client)) {
    headers['authorization'] = basicAuthorization(client.clientId, client.clientSecret);
  } else {
    body.set('client_id', client.clientId);
    if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  }
  return { url, method: 'POST', headers, body: body.toString() };
}

export interface CodeGrantInput {
  readonly tokenEndpoint: string;
  readonly client: ClientAuth;
  readonly code: string;
  /** The exact `redirect_uri` sent to `/oauth2/authorize`. */
  readonly redirectUri: string;
  readonly codeVerifier: string;
}

/** Builds the `authorization_code` grant request. */
export function buildCodeGrantRequest(input: CodeGrantInput): OAuthHttpRequest {
  return formRequest(input.tokenEndpoint, input.client, {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.codeVerifier,
  });
}

export interface RefreshGrantInput {
  readonly tokenEndpoint: string;
  readonly client: ClientAuth;
  readonly refreshToken: string;
}

/** Builds the `refresh_token` grant request. */
export function buildRefreshGrantRequest(input: RefreshGrantInput): OAuthHttpRequest {
  return formRequest(input.tokenEndpoint, input.client, {
    grant_type: 'refresh_token',
    refresh_token: input.refreshToken,
  });
}

const MAX_BODY = 64 * 1024;
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Reads a response body as text, refusing more than `MAX_BODY` bytes. */
export async function readCappedText(response: Response, max = MAX_BODY): Promise<string> {
  const length = declaredLength(response.headers.get('content-length'));
  if (length !== undefined && length > max) {
    await response.body?.cancel().catch(() => {});
    throw new Error('response body too large');
  }
  // Streamed with a byte cap: a missing or lying Content-Length cannot make us buffer more.
  const text = await readStreamCapped(response.body, max);
  if (text === undefined) throw new Error('response body too large');
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Extracts a safe OAuth `error` code from an error body (never the rest of the body). */
export function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>)['error'];
  return typeof error === 'string' && ERROR_CODE.test(error) ? error : undefined;
}

/**
 * Validates a token endpoint response. Cognito error JSON becomes `TOKEN_EXCHANGE_FAILED`
 * (code grant) or `REFRESH_FAILED` (refresh) with the OAuth `error` code in `details.error`;
 * the body itself (which could hold tokens) never reaches the error. On the code grant,
 * `invalid_grant` is `CALLBACK_INVALID` (400): the code the browser brought is unknown, expired
 * or used, which is the caller's fault, not a failure of Cognito or of this server.
 */
export async function processTokenResponse(
  response: Response,
  grant: 'authorization_code' | 'refresh_token',
): Promise<TokenSet> {
  const code: CognitoAuthErrorCode =
    grant === 'authorization_code' ? 'TOKEN_EXCHANGE_FAILED' : 'REFRESH_FAILED';
  const what = grant === 'authorization_code' ? 'the code exchange' : 'the refresh';
  let text: string;
  try {
    text = await readCappedText(response);
  } catch (cause) {
    throw new CognitoAuthError(code, `Cognito's token endpoint sent an unreadable response to ${what}`, {
      cause,
      details: { status: response.status },
    });
  }
  const body = parseJson(text);
  if (response.status !== 200) {
    const error = oauthErrorCode(body);
    if (grant === 'authorization_code' && error === 'invalid_grant') {
      // Shown on the error page: says what Cognito answered, which also covers a scope the app
      // client may not use (docs/aws-setup.md), an operator's error that is not reported.
      throw new CognitoAuthError(
        'CALLBACK_INVALID',
        'Cognito refused the authorization code (invalid_grant): unknown, expired or already used, or a scope the app client may not request',
        { details: { status: response.status, error } },
      );
    }
    throw new CognitoAuthError(
      code,
      `Cognito's token endpoint refused ${what}` + (error ? `: ${error}` : ` (HTTP ${response.status})`),
      { details: { status: response.status, ...(error ? { error } : {}) } },
    );
  }
  if (typeof body !== 'object' || body === null) {
    throw new CognitoAuthError(code, `Cognito's token endpoint sent no JSON object for ${what}`);
  }
  const b = body as Record<string, unknown>;
  const str = (k: string) => (typeof b[k] === 'string' && b[k] !== '' ? (b[k] as string) : undefined);
  const accessToken = str('access_token');
  const tokenType = str('token_type');
  const expiresIn = b['expires_in'];
  if (accessToken === undefined || tokenType?.toLowerCase() !== 'bearer') {
    throw new CognitoAuthError(code, `Cognito's token endpoint sent no bearer access token for ${what}`);
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new CognitoAuthError(code, `Cognito's token endpoint sent no valid expires_in for ${what}`);
  }
  const idToken = str('id_token');
  if (grant === 'authorization_code' && idToken === undefined) {
    throw new CognitoAuthError(code, 'The code exchange returned no ID token (is the openid scope allowed?)');
  }
  const scope = str('scope');
  return { accessToken, idToken, refreshToken: str('refresh_token'), expiresIn, ...(scope ? { scope } : {}) };
}
