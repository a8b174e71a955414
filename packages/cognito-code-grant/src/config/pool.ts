/**
 * User pool configuration: validated once, normalised, frozen. Errors name the bad option.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import {
  type DomainEndpoints,
  defaultIssuer,
  domainEndpoints,
  jwksUriFor,
  parseServiceUrl,
} from './endpoints.ts';

export interface PoolOptions {
  /** AWS Region, e.g. `eu-west-1`. Derived from `userPoolId` when omitted. */
  region?: string;
  /** User pool id, e.g. `eu-west-1_AbC123xyz`. */
  userPoolId: string;
  /** App client id, or several. The first one is the client used for browser login. */
  clientId: string | readonly string[];
  /** Secret of the first app client, for confidential clients. */
  clientSecret?: string | undefined;
  /**
   * Managed login / hosted UI base URL: `https://myprefix.auth.eu-west-1.amazoncognito.com`
   * or a custom domain such as `https://auth.example.com` (a bare host name means https).
   */
  domain?: string | undefined;
  /** Overrides the issuer (an emulator or LocalStack). Every check still applies. */
  issuer?: string | undefined;
  /** Overrides the JWKS URL; defaults to `{issuer}/.well-known/jwks.json`. */
  jwksUri?: string | undefined;
  /**
   * Allows plain `http` URLs for non-loopback hosts. Loopback hosts (localhost, 127.0.0.0/8,
   * [::1]) never need it. Never set this in production.
   */
  dangerouslyAllowInsecureHttp?: boolean | undefined;
}

export interface PoolConfig {
  readonly region: string;
  readonly userPoolId: string;
  readonly clientIds: readonly string[];
  /** The client used for browser login: `clientIds[0]`. */
  readonly clientId: string;
  /** Not enumerable, so that logging the config does not print it. */
  readonly clientSecret: string | undefined;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly domain: string | undefined;
  /** Present when `domain` is configured. */
  readonly endpoints: DomainEndpoints | undefined;
  readonly allowInsecureHttp: boolean;
}

const POOL_ID = /^(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[0-9a-zA-Z]+$/;
const REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const CLIENT_ID = /^[\w+]{1,128}$/;

function invalid(message: string): never {
  throw new CognitoAuthError('CONFIG_INVALID', message);
}

/** Validates pool options and returns a frozen PoolConfig. Throws `CONFIG_INVALID` naming the option. */
export function definePool(options: PoolOptions): PoolConfig {
  if (typeof options !== 'object' || options === null) invalid('pool options must be an object');
  const { userPoolId } = options;
  if (typeof userPoolId !== 'string' || userPoolId.length > 55) invalid('userPoolId must be a string');
  const match = POOL_ID.exec(userPoolId);
  if (!match)
    invalid(`userPoolId "${userPoolId}" is not of the form <region>_<id>, e.g. eu-west-1_AbC123xyz`);
  const poolRegion = match.groups!['region']!;
  const region = options.region ?? poolRegion;
  if (typeof region !== 'string' || !REGION.test(region)) invalid('region must look like eu-west-1');
  if (region !== poolRegion) invalid(`region "${region}" does not match userPoolId's region "${poolRegion}"`);

  const rawClients = typeof options.clientId === 'string' ? [options.clientId] : options.clientId;
  if (!Array.isArray(rawClients) || rawClients.length === 0)
    invalid('clientId must be a string or a non-empty array');
  for (const id of rawClients) {
    if (typeof id !== 'string' || !CLIENT_ID.test(id)) invalid('clientId must contain only app client ids');
  }
  const clientIds = Object.freeze([...new Set(rawClients as string[])]);

  if (
    options.clientSecret !== undefined &&
    (typeof options.clientSecret !== 'string' || options.clientSecret === '')
  ) {
    invalid('clientSecret must be a non-empty string when set');
  }
  const insecure = options.dangerouslyAllowInsecureHttp === true;
  const issuer =
    options.issuer === undefined
      ? defaultIssuer(region, userPoolId)
      : parseServiceUrl('issuer', options.issuer, insecure);
  const jwksUri =
    options.jwksUri === undefined
      ? jwksUriFor(issuer)
      : parseServiceUrl('jwksUri', options.jwksUri, insecure);
  let domain: string | undefined;
  if (options.domain !== undefined) {
    const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(options.domain)
      ? options.domain
      : `https://${options.domain}`;
    domain = parseServiceUrl('domain', raw, insecure);
  }

  const config = {
    region,
    userPoolId,
    clientIds,
    clientId: clientIds[0]!,
    issuer,
    jwksUri,
    domain,
    endpoints: domain === undefined ? undefined : domainEndpoints(domain),
    allowInsecureHttp: insecure,
  } as PoolConfig;
  Object.defineProperty(config, 'clientSecret', { value: options.clientSecret, enumerable: false });
  return Object.freeze(config);
}

/** Reads `COGNITO_*` variables. Throws `CONFIG_INVALID` naming the variable when one is missing. */
export function poolFromEnv(env: Record<string, string | undefined> = process.env): PoolConfig {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') invalid(`${name} is not set`);
    return value.trim();
  };
  const opt = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return definePool({
    region: opt('COGNITO_REGION'),
    userPoolId: need('COGNITO_USER_POOL_ID'),
    clientId: need('COGNITO_CLIENT_ID')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    clientSecret: opt('COGNITO_CLIENT_SECRET'),
    domain: opt('COGNITO_DOMAIN'),
    issuer: opt('COGNITO_ISSUER'),
    jwksUri: opt('COGNITO_JWKS_URI'),
    dangerouslyAllowInsecureHttp: envFlag(INSECURE_HTTP_VARIABLE, opt(INSECURE_HTTP_VARIABLE)),
  });
}

/** The variable `poolFromEnv` reads `dangerouslyAllowInsecureHttp` from (containers, compose files). */
export const INSECURE_HTTP_VARIABLE = 'COGNITO_DANGEROUSLY_ALLOW_INSECURE_HTTP';

function envFlag(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return invalid(`${name} must be true or false`);
}
