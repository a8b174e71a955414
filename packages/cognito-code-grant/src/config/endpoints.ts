/**
 * The one place where Cognito URLs are derived and where plain `http` is allowed or refused.
 * Everything else takes the URLs from a frozen PoolConfig.
 */
import { CognitoAuthError } from '../errors/errors.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Parses an absolute URL option: https, or http only for loopback hosts unless the caller
 * passed the explicitly named insecure option. Returns the URL with no trailing slash.
 */
export function parseServiceUrl(option: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CognitoAuthError('CONFIG_INVALID', `${option} must be a non-empty URL string`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CognitoAuthError('CONFIG_INVALID', `${option} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CognitoAuthError('CONFIG_INVALID', `${option} must use https`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      `${option} uses plain http for a non-loopback host; use https, or set dangerouslyAllowInsecureHttp: true (with poolFromEnv/fromEnv: COGNITO_DANGEROUSLY_ALLOW_INSECURE_HTTP=true)`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      `${option} must not carry credentials, a query or a fragment`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, Cognito's default issuer. */
export function defaultIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/** `https://issuer-cognito-idp.{region}.amazonaws.com/{userPoolId}`, the opt-in multi-Region issuer. */
export function updatedIssuer(region: string, userPoolId: string): string {
  return `https://issuer-cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

export function jwksUriFor(issuer: string): string {
  return `${issuer}/.well-known/jwks.json`;
}

/** Endpoints on the user pool domain (managed login / hosted UI), custom domains included. */
export interface DomainEndpoints {
  readonly authorize: string;
  readonly token: string;
  readonly revoke: string;
  readonly userInfo: string;
  readonly logout: string;
}

export function domainEndpoints(domain: string): DomainEndpoints {
  return Object.freeze({
    authorize: `${domain}/oauth2/authorize`,
    token: `${domain}/oauth2/token`,
    revoke: `${domain}/oauth2/revoke`,
    userInfo: `${domain}/oauth2/userInfo`,
    logout: `${domain}/logout`,
  });
}
