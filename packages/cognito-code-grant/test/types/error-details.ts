/**
 * Compile-time tests of typed error details (issue 14.5): `switch (error.code)` narrows
 * `error.details` to that code's shape, and a constructor call with the wrong details for its
 * code does not compile. `npm run typecheck` fails when an `@ts-expect-error` line compiles.
 * Nothing here runs.
 */
import { CognitoAuthError, hasErrorCode, isCognitoAuthError } from 'cognito-code-grant';

export function narrows(error: unknown): readonly string[] | number | string | undefined {
  if (!isCognitoAuthError(error)) return undefined;
  switch (error.code) {
    case 'SESSION_EXPIRED':
    case 'REFRESH_FAILED': {
      const cookies: readonly string[] | undefined = error.details?.setCookies;
      const login: string | undefined = error.details?.loginPath;
      // @ts-expect-error setCookies is a list of strings, not a number
      const wrong: number | undefined = error.details?.setCookies;
      return cookies ?? login ?? wrong;
    }
    case 'GROUP_REQUIRED':
      return error.details?.groups;
    case 'SESSION_TOO_LARGE':
      return error.details?.limitBytes;
    case 'CALLBACK_IDP_ERROR':
      return error.details?.error;
    default:
      return undefined;
  }
}

export function hasErrorCodeNarrows(error: unknown): string | undefined {
  return hasErrorCode(error, 'METHOD_NOT_ALLOWED') ? error.details?.allow : undefined;
}

export function constructorChecksDetails(): CognitoAuthError[] {
  return [
    new CognitoAuthError('GROUP_REQUIRED', 'm', { details: { groups: ['editors'] } }),
    // @ts-expect-error GROUP_REQUIRED details need `groups`
    new CognitoAuthError('GROUP_REQUIRED', 'm', { details: { scopes: ['x'] } }),
    // @ts-expect-error SESSION_TOO_LARGE sizes are numbers
    new CognitoAuthError('SESSION_TOO_LARGE', 'm', { details: { sealedBytes: '1', limitBytes: 2 } }),
    // Codes without a listed shape keep free-form details.
    new CognitoAuthError('WEBHOOK_PAYLOAD_INVALID', 'm', { details: { field: 'userName' } }),
  ];
}
