/** Cognito's `/logout` URL: clears the hosted-UI cookie, then redirects to a registered `logout_uri`. */

export interface LogoutUrlInput {
  /** `{domain}/logout` from the pool config. */
  readonly logoutEndpoint: string;
  readonly clientId: string;
  /** Must exactly match one of the app client's sign-out URLs. */
  readonly logoutUri: string;
}

export function buildLogoutUrl(input: LogoutUrlInput): string {
  const url = new URL(input.logoutEndpoint);
  url.searchParams.set('client_id', input.clientId);
  url.searchParams.set('logout_uri', input.logoutUri);
  return url.href;
}
