/**
 * The cognito-idp endpoint (`POST /`, AWS JSON 1.1: `X-Amz-Target:
 * AWSCognitoIdentityProviderService.<Op>`, `Content-Type: application/x-amz-json-1.1`): request
 * parsing shared by the admin and user APIs, Cognito's error shape (HTTP 400
 * `{"__type","message"}` plus the `x-amzn-ErrorType` header) and CORS, since browsers (Amplify in
 * a single-page app) call the user API cross-origin. Signatures are never checked.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.ts';
import { BodyTooLarge, readBody } from './http.ts';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';

export type Params = Record<string, unknown>;

export function str(p: Params, name: string, required: true): string;
export function str(p: Params, name: string, required?: false): string | undefined;
export function str(p: Params, name: string, required = false): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) {
    if (required)
      throw new ApiError(
        'InvalidParameterException',
        `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof v !== 'string') throw new ApiError('InvalidParameterException', `${name} must be a string`);
  return v;
}

/** A `[{Name, Value}]` list as a record of strings. */
export function attributeList(p: Params, name: string): Record<string, string> {
  const raw = p[name];
  if (raw === undefined || raw === null) return {};
  if (!Array.isArray(raw)) throw new ApiError('InvalidParameterException', `${name} must be a list`);
  const out: Record<string, string> = {};
  for (const a of raw as { Name?: unknown; Value?: unknown }[]) {
    if (typeof a?.Name !== 'string')
      throw new ApiError('InvalidParameterException', 'Attribute name is required');
    const value = a.Value ?? '';
    if (typeof value !== 'string' || value.length > 2048) {
      throw new ApiError('InvalidParameterException', `Invalid value for attribute ${a.Name.slice(0, 40)}`);
    }
    out[a.Name] = value;
  }
  return out;
}

/** A string-to-string map parameter (`ClientMetadata`, `ChallengeResponses`, ...). */
export function stringMap(p: Params, name: string): Record<string, string> {
  const raw = p[name];
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new ApiError('InvalidParameterException', `${name} must be a map`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string')
      throw new ApiError('InvalidParameterException', `${name}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Headers every answer of the endpoint carries: any origin may call it, as Cognito allows. */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date',
};

const DEFAULT_ALLOWED_HEADERS =
  'content-type,x-amz-target,x-amz-user-agent,x-amz-date,x-amz-security-token,authorization,cache-control,amz-sdk-invocation-id,amz-sdk-request';

/** The CORS preflight of `POST /` (Amplify sends content-type, x-amz-target, x-amz-user-agent, cache-control). */
export function preflightAws(req: IncomingMessage, res: ServerResponse): void {
  const asked = String(req.headers['access-control-request-headers'] ?? '');
  const headers = /^[\w-]+(\s*,\s*[\w-]+)*$/.test(asked) ? asked : DEFAULT_ALLOWED_HEADERS;
  res.writeHead(200, {
    ...CORS,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': headers,
    'access-control-max-age': '86400',
    'content-length': 0,
  });
  res.end();
}

export function sendAws(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...CORS,
  });
  res.end(text);
}

export function sendAwsError(res: ServerResponse, type: string, message: string, status = 400): void {
  const text = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': `${type}:`,
    // Header values must be Latin-1; Cognito's messages are ASCII.
    'x-amzn-errormessage': message.replace(/[^\x20-\x7e]/g, '?'),
    ...CORS,
  });
  res.end(text);
}

/** One operation: parameters in, result object out, ApiError for Cognito's exceptions. */
export type Operation = (p: Params) => unknown;

/** Parses the request, finds `lookup(op)`, answers its result or its exception. */
export async function handleAwsJson(
  req: IncomingMessage,
  res: ServerResponse,
  lookup: (op: string) => Operation | undefined,
  log: (line: string) => void,
): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  let params: Params;
  try {
    const body = await readBody(req);
    params = body ? (JSON.parse(body) as Params) : {};
    if (!params || typeof params !== 'object' || Array.isArray(params))
      throw new SyntaxError('not an object');
  } catch (err) {
    const type = err instanceof BodyTooLarge ? 'InvalidParameterException' : 'SerializationException';
    return sendAwsError(res, type, 'Could not parse the request body');
  }
  const fn = lookup(op);
  if (!fn) return sendAwsError(res, 'UnknownOperationException', `Unknown operation ${op.slice(0, 60)}`);
  try {
    sendAws(res, 200, fn(params));
  } catch (err) {
    if (err instanceof ApiError) {
      log(`${op}: ${err.type}: ${err.message}`);
      return sendAwsError(res, err.type, err.message);
    }
    log(`${op}: internal error ${(err as Error).message}`);
    sendAwsError(res, 'InternalErrorException', 'Internal error', 500);
  }
}
